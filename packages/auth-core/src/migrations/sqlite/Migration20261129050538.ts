import { Migration } from '@mikro-orm/migrations';

export class Migration20261129050538 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`security_event\` (\`id\` text not null, \`user_id\` text null, \`type\` text not null, \`at\` datetime not null, \`ip\` text null, \`user_agent\` text null, constraint \`security_event_user_id_foreign\` foreign key(\`user_id\`) references \`user\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`security_event_user_id_index\` on \`security_event\` (\`user_id\`);`);
    this.addSql(`create index \`security_event_at_index\` on \`security_event\` (\`at\`);`);
    this.addSql(`create index \`security_event_user_id_at_index\` on \`security_event\` (\`user_id\`, \`at\`);`);
  }

}
