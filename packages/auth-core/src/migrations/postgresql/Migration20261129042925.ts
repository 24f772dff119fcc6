import { Migration } from '@mikro-orm/migrations';

export class Migration20261129042925 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "mfa_recovery_code" ("code_hash" varchar(64) not null, "user_id" uuid not null, "created_at" timestamptz not null, "used_at" timestamptz null, constraint "mfa_recovery_code_pkey" primary key ("code_hash"));`);
    this.addSql(`create index "mfa_recovery_code_user_id_index" on "mfa_recovery_code" ("user_id");`);

    this.addSql(`create table "mfa_challenge" ("token_hash" varchar(64) not null, "user_id" uuid not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "attempts" int not null default 0, "used_at" timestamptz null, constraint "mfa_challenge_pkey" primary key ("token_hash"));`);
    this.addSql(`create index "mfa_challenge_user_id_index" on "mfa_challenge" ("user_id");`);
    this.addSql(`create index "mfa_challenge_expires_at_index" on "mfa_challenge" ("expires_at");`);

    this.addSql(`alter table "mfa_recovery_code" add constraint "mfa_recovery_code_user_id_foreign" foreign key ("user_id") references "user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "mfa_challenge" add constraint "mfa_challenge_user_id_foreign" foreign key ("user_id") references "user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "user" add column "mfa_secret" varchar(255) null, add column "mfa_secret_key_id" varchar(32) null, add column "mfa_enabled_at" timestamptz null, add column "mfa_last_used_step" int null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mfa_recovery_code" cascade;`);

    this.addSql(`drop table if exists "mfa_challenge" cascade;`);

    this.addSql(`alter table "user" drop column "mfa_secret", drop column "mfa_secret_key_id", drop column "mfa_enabled_at", drop column "mfa_last_used_step";`);
  }

}
