import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124021354 } from './Migration20261124021354.js';
import { Migration20261129030322 } from './Migration20261129030322.js';
import { Migration20261129031343 } from './Migration20261129031343.js';
import { Migration20261129034540 } from './Migration20261129034540.js';
import { Migration20261129042925 } from './Migration20261129042925.js';
import { Migration20261129050539 } from './Migration20261129050539.js';
import { Migration20261129060736 } from './Migration20261129060736.js';
import { Migration20261129065119 } from './Migration20261129065119.js';

/** Every PostgreSQL migration, oldest first. Generated files, listed here so builds carry them. */
export const postgresMigrations: MigrationObject[] = [
  { name: 'Migration20261124021354', class: Migration20261124021354 },
  { name: 'Migration20261129030322', class: Migration20261129030322 },
  { name: 'Migration20261129031343', class: Migration20261129031343 },
  { name: 'Migration20261129034540', class: Migration20261129034540 },
  { name: 'Migration20261129042925', class: Migration20261129042925 },
  { name: 'Migration20261129050539', class: Migration20261129050539 },
  { name: 'Migration20261129060736', class: Migration20261129060736 },
  { name: 'Migration20261129065119', class: Migration20261129065119 },
];
