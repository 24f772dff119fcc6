import { Migration } from '@mikro-orm/migrations';

export class Migration20261129042924 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`mfa_recovery_code\` (\`code_hash\` text not null, \`user_id\` text not null, \`created_at\` datetime not null, \`used_at\` datetime null, constraint \`mfa_recovery_code_user_id_foreign\` foreign key(\`user_id\`) references \`user\`(\`id\`) on delete cascade on update cascade, primary key (\`code_hash\`));`);
    this.addSql(`create index \`mfa_recovery_code_user_id_index\` on \`mfa_recovery_code\` (\`user_id\`);`);

    this.addSql(`create table \`mfa_challenge\` (\`token_hash\` text not null, \`user_id\` text not null, \`created_at\` datetime not null, \`expires_at\` datetime not null, \`attempts\` integer not null default 0, \`used_at\` datetime null, constraint \`mfa_challenge_user_id_foreign\` foreign key(\`user_id\`) references \`user\`(\`id\`) on delete cascade on update cascade, primary key (\`token_hash\`));`);
    this.addSql(`create index \`mfa_challenge_user_id_index\` on \`mfa_challenge\` (\`user_id\`);`);
    this.addSql(`create index \`mfa_challenge_expires_at_index\` on \`mfa_challenge\` (\`expires_at\`);`);

    this.addSql(`alter table \`user\` add column \`mfa_secret\` text null;`);
    this.addSql(`alter table \`user\` add column \`mfa_secret_key_id\` text null;`);
    this.addSql(`alter table \`user\` add column \`mfa_enabled_at\` datetime null;`);
    this.addSql(`alter table \`user\` add column \`mfa_last_used_step\` integer null;`);
  }

}
