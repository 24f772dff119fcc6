import { Migration } from '@mikro-orm/migrations';

export class Migration20261129031343 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "session" add column "previous_refresh_jti" uuid null, add column "rotated_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "session" drop column "previous_refresh_jti", drop column "rotated_at";`);
  }

}
