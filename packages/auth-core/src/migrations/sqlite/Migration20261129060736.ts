import { Migration } from '@mikro-orm/migrations';

/**
 * Email-change tokens: a `new_email` column, and `purpose` no longer limited by a check to
 * the first two purposes. SQLite cannot drop a check constraint, so the table is rebuilt:
 * copied aside, created anew, copied back (nothing references it).
 */
export class Migration20261129060736 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`email_token_old\` as select * from \`email_token\`;`);
    this.addSql(`drop table \`email_token\`;`);
    this.addSql(`create table \`email_token\` (\`token_hash\` text not null, \`user_id\` text not null, \`purpose\` text not null, \`new_email\` text null, \`created_at\` datetime not null, \`expires_at\` datetime not null, \`used_at\` datetime null, constraint \`email_token_user_id_foreign\` foreign key(\`user_id\`) references \`user\`(\`id\`) on delete cascade on update cascade, primary key (\`token_hash\`));`);
    this.addSql(`insert into \`email_token\` (\`token_hash\`, \`user_id\`, \`purpose\`, \`created_at\`, \`expires_at\`, \`used_at\`) select \`token_hash\`, \`user_id\`, \`purpose\`, \`created_at\`, \`expires_at\`, \`used_at\` from \`email_token_old\`;`);
    this.addSql(`drop table \`email_token_old\`;`);
    this.addSql(`create index \`email_token_user_id_index\` on \`email_token\` (\`user_id\`);`);
    this.addSql(`create index \`email_token_expires_at_index\` on \`email_token\` (\`expires_at\`);`);
  }

}
