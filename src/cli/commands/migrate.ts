import { withAdminDb, type Command } from '../command.js';

/** `plainfra migrate`: applies the SQL migrations. */
export const migrateCommand: Command = {
  name: 'migrate',
  usage: ['  migrate                                   apply SQL migrations to DATABASE_URL'],
  run: () =>
    withAdminDb(async (db) => {
      const { runMigrations } = await import('../../db/index.js');
      await runMigrations(db);
      console.log('migrations applied');
      return 0;
    }),
};
