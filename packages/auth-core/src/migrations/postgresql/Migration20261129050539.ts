import { Migration } from '@mikro-orm/migrations';

export class Migration20261129050539 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "security_event" ("id" uuid not null, "user_id" uuid null, "type" varchar(64) not null, "at" timestamptz not null, "ip" varchar(64) null, "user_agent" varchar(512) null, constraint "security_event_pkey" primary key ("id"));`);
    this.addSql(`create index "security_event_at_index" on "security_event" ("at");`);
    this.addSql(`create index "security_event_user_id_at_index" on "security_event" ("user_id", "at");`);

    this.addSql(`alter table "security_event" add constraint "security_event_user_id_foreign" foreign key ("user_id") references "user" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "security_event" cascade;`);
  }

}
