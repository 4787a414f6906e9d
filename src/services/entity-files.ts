// The generated files of one entity as the entity page shows them
// (docs/rules.md): each with its title, download URL, download link text and
// text, from the same loader and generators as the downloads.
import type { Database } from "../data/engine.js";
import type { EntityPage } from "../data/entities.js";
import { loadEntityRules } from "../data/rules.js";
import { RULES_FILE_KINDS, type RulesFileKind } from "../domain/archive-names.js";
import { entityFileText } from "./rules-archive.js";

export interface EntityFile {
  /** Short stable key, used in element ids. */
  key: RulesFileKind;
  title: string;
  url: string;
  /** The download link's text; each file's differs, so a screen reader tells them apart. */
  download: string;
  text: string;
}

const TITLES: Record<RulesFileKind, string> = {
  iptables: "iptables rules (IPv4)",
  ip6tables: "ip6tables rules (IPv6)",
  nftables: "nftables rules",
};

/** Every file of the entity, in the order the page shows them: IPv4, IPv6, nftables. */
export async function entityFiles(db: Database, page: EntityPage): Promise<EntityFile[]> {
  const entity = await loadEntityRules(db, page.entity.id);
  // Deleted since the page was read: no file to show.
  if (!entity) return [];
  return RULES_FILE_KINDS.map((kind) => ({
    key: kind,
    title: TITLES[kind],
    url: `/entities/${entity.id}/${kind}`,
    download: `Download the ${kind} file`,
    text: entityFileText(entity, kind),
  }));
}
