import { Migration } from '@mikro-orm/migrations';

export class Migration20261129031342 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`session\` add column \`previous_refresh_jti\` text null;`);
    this.addSql(`alter table \`session\` add column \`rotated_at\` datetime null;`);
  }

}
