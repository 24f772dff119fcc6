import { Migration } from '@mikro-orm/migrations';

export class Migration20261124021354 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "token_denylist" ("jti" uuid not null, "expires_at" timestamptz not null, constraint "token_denylist_pkey" primary key ("jti"));`);
    this.addSql(`create index "token_denylist_expires_at_index" on "token_denylist" ("expires_at");`);

    this.addSql(`create table "user" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "email" varchar(254) not null, "password_hash" varchar(100) not null, "email_verified" boolean not null default false, constraint "user_pkey" primary key ("id"));`);
    this.addSql(`alter table "user" add constraint "user_email_unique" unique ("email");`);

    this.addSql(`create table "session" ("id" uuid not null, "user_id" uuid not null, "current_refresh_jti" uuid not null, "created_at" timestamptz not null, "last_used_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "user_agent" varchar(512) null, "ip" varchar(64) null, constraint "session_pkey" primary key ("id"));`);
    this.addSql(`create index "session_user_id_index" on "session" ("user_id");`);
    this.addSql(`create index "session_expires_at_index" on "session" ("expires_at");`);

    this.addSql(`create table "email_token" ("token_hash" varchar(64) not null, "user_id" uuid not null, "purpose" text check ("purpose" in ('reset', 'verify')) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "email_token_pkey" primary key ("token_hash"));`);
    this.addSql(`create index "email_token_user_id_index" on "email_token" ("user_id");`);
    this.addSql(`create index "email_token_expires_at_index" on "email_token" ("expires_at");`);

    this.addSql(`alter table "session" add constraint "session_user_id_foreign" foreign key ("user_id") references "user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "email_token" add constraint "email_token_user_id_foreign" foreign key ("user_id") references "user" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "session" drop constraint "session_user_id_foreign";`);

    this.addSql(`alter table "email_token" drop constraint "email_token_user_id_foreign";`);

    this.addSql(`drop table if exists "token_denylist" cascade;`);

    this.addSql(`drop table if exists "user" cascade;`);

    this.addSql(`drop table if exists "session" cascade;`);

    this.addSql(`drop table if exists "email_token" cascade;`);
  }

}
