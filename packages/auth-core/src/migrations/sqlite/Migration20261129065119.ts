import { Migration } from '@mikro-orm/migrations';

/**
 * The pending email change: the user's current request (`email_change_request_id`) and the
 * request each email-change link was minted for. Links minted before this migration carry
 * none and no longer confirm; their owners ask again.
 */
export class Migration20261129065119 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`user\` add column \`email_change_request_id\` text null;`);

    this.addSql(`alter table \`email_token\` add column \`change_request_id\` text null;`);
  }

}
