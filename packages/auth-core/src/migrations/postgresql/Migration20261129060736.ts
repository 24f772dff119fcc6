import { Migration } from '@mikro-orm/migrations';

export class Migration20261129060736 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "email_token" drop constraint if exists "email_token_purpose_check";`);

    this.addSql(`alter table "email_token" add column "new_email" varchar(254) null;`);
    this.addSql(`alter table "email_token" alter column "purpose" type varchar(16) using ("purpose"::varchar(16));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "email_token" drop column "new_email";`);

    this.addSql(`alter table "email_token" alter column "purpose" type text using ("purpose"::text);`);
    this.addSql(`alter table "email_token" add constraint "email_token_purpose_check" check("purpose" in ('reset', 'verify'));`);
  }

}
