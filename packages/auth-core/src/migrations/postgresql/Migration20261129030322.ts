import { Migration } from '@mikro-orm/migrations';

export class Migration20261129030322 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "outbox_message" ("id" uuid not null, "recipient" varchar(254) not null, "kind" varchar(64) not null, "payload" text not null, "created_at" timestamptz not null, "next_attempt_at" timestamptz not null, "attempts" int not null default 0, "claimed_until" timestamptz null, "sent_at" timestamptz null, "failed_at" timestamptz null, "last_error" varchar(1000) null, constraint "outbox_message_pkey" primary key ("id"));`);
    this.addSql(`create index "outbox_message_next_attempt_at_index" on "outbox_message" ("next_attempt_at");`);
    this.addSql(`create index "outbox_message_sent_at_index" on "outbox_message" ("sent_at");`);
    this.addSql(`create index "outbox_message_failed_at_index" on "outbox_message" ("failed_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "outbox_message" cascade;`);
  }

}
