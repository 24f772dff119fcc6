import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124021354 } from './Migration20261124021354.js';
import { Migration20261129030321 } from './Migration20261129030321.js';
import { Migration20261129031342 } from './Migration20261129031342.js';
import { Migration20261129034539 } from './Migration20261129034539.js';
import { Migration20261129042924 } from './Migration20261129042924.js';
import { Migration20261129050538 } from './Migration20261129050538.js';
import { Migration20261129060736 } from './Migration20261129060736.js';
import { Migration20261129065119 } from './Migration20261129065119.js';

/** Every SQLite migration, oldest first. Generated files, listed here so builds carry them. */
export const sqliteMigrations: MigrationObject[] = [
  { name: 'Migration20261124021354', class: Migration20261124021354 },
  { name: 'Migration20261129030321', class: Migration20261129030321 },
  { name: 'Migration20261129031342', class: Migration20261129031342 },
  { name: 'Migration20261129034539', class: Migration20261129034539 },
  { name: 'Migration20261129042924', class: Migration20261129042924 },
  { name: 'Migration20261129050538', class: Migration20261129050538 },
  { name: 'Migration20261129060736', class: Migration20261129060736 },
  { name: 'Migration20261129065119', class: Migration20261129065119 },
];
