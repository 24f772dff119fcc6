import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124021354 } from './Migration20261124021354.js';

/** Every PostgreSQL migration, oldest first. Generated files, listed here so builds carry them. */
export const postgresMigrations: MigrationObject[] = [
  { name: 'Migration20261124021354', class: Migration20261124021354 },
];
