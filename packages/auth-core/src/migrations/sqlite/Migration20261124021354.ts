import { Migration } from '@mikro-orm/migrations';

export class Migration20261124021354 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`token_denylist\` (\`jti\` text not null, \`expires_at\` datetime not null, primary key (\`jti\`));`);
    this.addSql(`create index \`token_denylist_expires_at_index\` on \`token_denylist\` (\`expires_at\`);`);

    this.addSql(`create table \`user\` (\`id\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`email\` text not null, \`password_hash\` text not null, \`email_verified\` integer not null default false, primary key (\`id\`));`);
    this.addSql(`create unique index \`user_email_unique\` on \`user\` (\`email\`);`);

    this.addSql(`create table \`session\` (\`id\` text not null, \`user_id\` text not null, \`current_refresh_jti\` text not null, \`created_at\` datetime not null, \`last_used_at\` datetime not null, \`expires_at\` datetime not null, \`revoked_at\` datetime null, \`user_agent\` text null, \`ip\` text null, constraint \`session_user_id_foreign\` foreign key(\`user_id\`) references \`user\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`session_user_id_index\` on \`session\` (\`user_id\`);`);
    this.addSql(`create index \`session_expires_at_index\` on \`session\` (\`expires_at\`);`);

    this.addSql(`create table \`email_token\` (\`token_hash\` text not null, \`user_id\` text not null, \`purpose\` text check (\`purpose\` in ('reset', 'verify')) not null, \`created_at\` datetime not null, \`expires_at\` datetime not null, \`used_at\` datetime null, constraint \`email_token_user_id_foreign\` foreign key(\`user_id\`) references \`user\`(\`id\`) on delete cascade on update cascade, primary key (\`token_hash\`));`);
    this.addSql(`create index \`email_token_user_id_index\` on \`email_token\` (\`user_id\`);`);
    this.addSql(`create index \`email_token_expires_at_index\` on \`email_token\` (\`expires_at\`);`);
  }

}
