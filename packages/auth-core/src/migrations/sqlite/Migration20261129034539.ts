import { Migration } from '@mikro-orm/migrations';

export class Migration20261129034539 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`user\` add column \`disabled_at\` datetime null;`);
  }

}
