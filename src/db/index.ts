/** Postgres: schema, connection and migrations. */
export * from './schema.js';
export { connectDb, closeDb, type Db } from './client.js';
export { runMigrations, MIGRATIONS_DIR } from './migrate.js';
export {
  applyRoles,
  checkProcessLogin,
  formatAppliedRoles,
  roleNames,
  GRANTS,
  PROCESS_ROLES,
  ROLE_PREFIX_PATTERN,
  type ProcessRole,
  type AppliedRole,
  type RoleOptions,
} from './roles.js';
