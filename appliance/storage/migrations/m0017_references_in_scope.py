"""Migration 17: rows older installs may hold that name something out of their scope. A client
account serves no site and takes no chat, so its site and team rows go; a site's team keeps
only members who serve that site (owners and admins serve every site); and a site's fallback
team, a category's team and an invitation rule's team that belong to another site (of this
company or another) are cleared, as deleting a team clears them: such a setting sent the site's
chats to another site's agents. The server refuses all of these since this version."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(17, "references in scope", sql("""
DELETE FROM "user_site" WHERE "user_id" IN (SELECT "id" FROM "user" WHERE "role" = 'client');
DELETE FROM "team_member" WHERE "user_id" IN (SELECT "id" FROM "user" WHERE "role" = 'client');
DELETE FROM "team_member" WHERE "team_id" IN (SELECT "id" FROM "team" WHERE "site_id" IS NOT NULL)
  AND "user_id" NOT IN (SELECT "id" FROM "user" WHERE "role" IN ('owner', 'admin'))
  AND NOT EXISTS (SELECT 1 FROM "user_site" us JOIN "team" t ON t."id" = "team_member"."team_id"
                  WHERE us."user_id" = "team_member"."user_id" AND us."site_id" = t."site_id");
UPDATE "site" SET "fallback_team_id" = NULL WHERE "fallback_team_id" IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "team" t WHERE t."id" = "site"."fallback_team_id"
                  AND (t."site_id" IS NULL OR t."site_id" = "site"."id"));
UPDATE "category" SET "team_id" = NULL WHERE "team_id" IN (SELECT t."id" FROM "team" t
  WHERE t."site_id" IS NOT NULL AND t."site_id" != "category"."site_id");
UPDATE "invitation_rule" SET "team_id" = NULL WHERE "team_id" IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "team" t WHERE t."id" = "invitation_rule"."team_id"
                  AND (t."site_id" IS NULL OR t."site_id" = "invitation_rule"."site_id"));
"""))
