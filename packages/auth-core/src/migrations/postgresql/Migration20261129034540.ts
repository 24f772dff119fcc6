import { Migration } from '@mikro-orm/migrations';

export class Migration20261129034540 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "user" add column "disabled_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "user" drop column "disabled_at";`);
  }

}
