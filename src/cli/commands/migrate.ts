import { flags, withAdminDb, type Command } from '../command.js';

/**
 * `plainfra migrate`: applies the SQL migrations with the owner's DATABASE_URL, then creates or
 * updates one login per process with exactly the grants it needs (src/db/roles.ts).
 */
export const migrateCommand: Command = {
  name: 'migrate',
  usage: [
    "  migrate [--no-roles]                      apply SQL migrations to DATABASE_URL (the owner's), create or",
    '                                            update the per-process logins (PLAINFRA_DB_ROLE_PREFIX,',
    '                                            PLAINFRA_DB_PASSWORD_BOT|HAWK|SENTINEL)',
  ],
  async run(args) {
    const { values } = flags(args, { 'no-roles': { type: 'boolean' } });
    const { loadConfig } = await import('../../config/index.js');
    const config = loadConfig('admin');
    return withAdminDb(async (db) => {
      const { runMigrations, applyRoles, formatAppliedRoles } = await import('../../db/index.js');
      await runMigrations(db);
      console.log('migrations applied');
      if (values['no-roles']) return 0;
      const applied = await applyRoles(db, {
        prefix: config.PLAINFRA_DB_ROLE_PREFIX,
        passwords: {
          bot: config.PLAINFRA_DB_PASSWORD_BOT,
          hawk: config.PLAINFRA_DB_PASSWORD_HAWK,
          sentinel: config.PLAINFRA_DB_PASSWORD_SENTINEL,
        },
      }).catch((err: Error & { code?: string }) => {
        if (err.code !== '42501') throw err;
        throw Object.assign(
          new Error(
            `could not create the process logins (${err.message}): ` +
              'run plainfra migrate with a DATABASE_URL whose user owns the database and has CREATEROLE, ' +
              'or pass --no-roles and create them yourself (docs/architecture.md, "Database roles")',
          ),
          { code: 'migrate_roles' },
        );
      });
      console.log(formatAppliedRoles(applied, config.DATABASE_URL));
      return 0;
    });
  },
};
