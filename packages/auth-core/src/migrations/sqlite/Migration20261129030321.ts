import { Migration } from '@mikro-orm/migrations';

export class Migration20261129030321 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`outbox_message\` (\`id\` text not null, \`recipient\` text not null, \`kind\` text not null, \`payload\` text not null, \`created_at\` datetime not null, \`next_attempt_at\` datetime not null, \`attempts\` integer not null default 0, \`claimed_until\` datetime null, \`sent_at\` datetime null, \`failed_at\` datetime null, \`last_error\` text null, primary key (\`id\`));`);
    this.addSql(`create index \`outbox_message_next_attempt_at_index\` on \`outbox_message\` (\`next_attempt_at\`);`);
    this.addSql(`create index \`outbox_message_sent_at_index\` on \`outbox_message\` (\`sent_at\`);`);
    this.addSql(`create index \`outbox_message_failed_at_index\` on \`outbox_message\` (\`failed_at\`);`);
  }

}
