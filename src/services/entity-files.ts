// The generated files of one entity as the entity page shows them
// (docs/rules.md): each with its title, download URL and text.
import type { Database } from "../data/engine.js";
import type { EntityPage } from "../data/entities.js";
import { entityRulesInput } from "../data/rules.js";
import { generateEntityRules } from "../domain/iptables.js";

export interface EntityFile {
  /** Short stable key, used in element ids. */
  key: string;
  title: string;
  url: string;
  text: string;
}

/** Every file of the entity, in the order the page shows them. */
export async function entityFiles(_db: Database, page: EntityPage): Promise<EntityFile[]> {
  const input = entityRulesInput(page.entity, page.incoming);
  return [
    {
      key: "iptables",
      title: "iptables rules",
      url: `/entities/${page.entity.id}/iptables`,
      text: generateEntityRules(input),
    },
  ];
}
