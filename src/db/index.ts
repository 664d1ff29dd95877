/** Postgres: schema, connection and migrations. */
export * from './schema.js';
export { connectDb, closeDb, type Db } from './client.js';
export { runMigrations, MIGRATIONS_DIR } from './migrate.js';
export { applyRoles, checkProcessLogin, formatAppliedRoles } from './roles.js';
