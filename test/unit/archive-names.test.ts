// File names inside and of the rule archives (docs/rules.md): slugs, collisions,
// fallbacks, and the guarantee that no name can escape the extraction folder.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  entityEntryNames,
  entityFileName,
  entityRulesFileName,
  entityStems,
  locationArchiveName,
  projectArchiveName,
  RULES_FILE_KINDS,
  SLUG_MAX,
  slugify,
} from "../../src/domain/archive-names.js";

/** What every produced file name must satisfy, whatever the input. */
function expectSafeFileName(name: string): void {
  expect(name).toMatch(/^[a-z0-9._-]+$/);
  expect(name).not.toContain("..");
  expect(name).not.toMatch(/^[.]/);
  expect(name).not.toContain("/");
  expect(name).not.toContain("\\");
}

describe("slugify", () => {
  it.each([
    ["Test Entity 1", "test_entity_1"],
    ["web-01.example.com", "web-01.example.com"],
    ["DB_Primary", "db_primary"],
    ["Ünïcødé 日本", "unicode_"],
    ['"quoted" <b>bold</b>', "quoted_bboldb"],
    ["a/b\\c", "abc"],
    ["semi;colon $(id)", "semicolon_id"],
    ["tab\tand\u00a0nbsp", "tab_and_nbsp"],
    ["  padded  ", "__padded__"],
    ["", ""],
    ["日本", ""],
  ])("%j becomes %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it.each([
    [".", ""],
    ["..", ""],
    ["...", ""],
    [". .", "_"],
    ["../../etc/passwd", "etcpasswd"],
    ["..\\..\\windows", "windows"],
    ["a..b", "a.b"],
    ["a....b...c", "a.b.c"],
    ["a.日.b", "a.b"],
    [".hidden", "hidden"],
    ["trailing.", "trailing"],
    [". / .", "__"],
    ["a.\u00e9.b", "a.e.b"],
  ])("dot edge case %j becomes %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("never yields '.', '..' or a name containing '..' or starting with a dot", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(".", "a", " ", "/", "\\", "é", "-", "_", "Z") }), (name) => {
        const slug = slugify(name);
        expect(slug).toMatch(/^[a-z0-9._-]*$/);
        expect(slug).not.toContain("..");
        expect(slug).not.toMatch(/^\.|\.$/);
        expect(slug.length).toBeLessThanOrEqual(SLUG_MAX);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps at most SLUG_MAX characters", () => {
    expect(slugify("x".repeat(500))).toBe("x".repeat(SLUG_MAX));
  });

  it.each([
    ["Ñandú", "nandu"],
    ["Zürich Bank ünd Co", "zurich_bank_und_co"],
    ["Straße", "strasse"],
    ["STRAẞE", "strasse"],
    ["Œuvre Łódź", "oeuvre_lodz"],
    ["Ærø Þórshöfn", "aero_thorshofn"],
    ["Đakovo Ħamrun", "dakovo_hamrun"],
    ["İstanbul", "istanbul"],
    ["ﬁle①", "file1"],
    ["Москва", ""],
    ["日本 web", "_web"],
  ])("transliterates Latin letters: %j becomes %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("keeps the limit after transliteration widens a name", () => {
    expect(slugify("ß".repeat(80))).toBe("s".repeat(SLUG_MAX));
  });
});

describe("entityRulesFileName", () => {
  it("names the single-entity download after the slug", () => {
    expect(entityRulesFileName("Test Entity 1", 7)).toBe("test_entity_1-iptables.conf");
  });

  it("falls back to entity-ID when the slug is empty", () => {
    expect(entityRulesFileName("日本", 7)).toBe("entity-7-iptables.conf");
    expect(entityRulesFileName("..", 12)).toBe("entity-12-iptables.conf");
  });

  it("refuses ids that are not record ids", () => {
    expect(() => entityRulesFileName("", -1)).toThrow(RangeError);
    expect(() => entityRulesFileName("", 1.5)).toThrow(RangeError);
  });
});

describe("entityFileName", () => {
  it("names each of the three single-entity downloads after the slug", () => {
    expect(entityFileName("Test Entity 1", 7, "iptables")).toBe("test_entity_1-iptables.conf");
    expect(entityFileName("Test Entity 1", 7, "ip6tables")).toBe("test_entity_1-ip6tables.conf");
    expect(entityFileName("Test Entity 1", 7, "nftables")).toBe("test_entity_1.nft");
    expect(entityFileName("日本", 7, "nftables")).toBe("entity-7.nft");
  });
});

describe("entityStems", () => {
  it("gives every kind of file the same unique stem, in id order", () => {
    const entities = [
      { id: 5, name: "web" },
      { id: 2, name: "Web" },
      { id: 9, name: "" },
    ];
    expect([...entityStems(entities)]).toEqual([
      [2, "web"],
      [5, "web-5"],
      [9, "entity-9"],
    ]);
    expect(entityEntryNames(entities, "nftables").get(5)).toBe("web-5.nft");
    expect(entityEntryNames(entities, "ip6tables").get(9)).toBe("entity-9-ip6tables.conf");
  });

  it("never lets two files of any kinds share a name, even in one folder", () => {
    const name = fc.string({
      unit: fc.constantFrom("a", "-", "1", ".", "nft", "iptables", "ip6tables", ".conf", "entity", " "),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.nat({ max: 40 }), name }), { selector: (e) => e.id }),
        (entities) => {
          const all = RULES_FILE_KINDS.flatMap((kind) => [...entityEntryNames(entities, kind).values()]);
          expect(new Set(all).size).toBe(3 * entities.length);
          for (const file of all) expectSafeFileName(file);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("entityEntryNames", () => {
  it("gives each entity SLUG-iptables.conf", () => {
    const names = entityEntryNames([
      { id: 1, name: "web" },
      { id: 2, name: "DB server" },
    ]);
    expect(names).toEqual(
      new Map([
        [1, "web-iptables.conf"],
        [2, "db_server-iptables.conf"],
      ]),
    );
  });

  it("appends -ID to the later entities (by id) that share a slug, whatever the input order", () => {
    const names = entityEntryNames([
      { id: 9, name: "Web" },
      { id: 3, name: "web" },
      { id: 5, name: "WEB" },
    ]);
    expect(names.get(3)).toBe("web-iptables.conf");
    expect(names.get(5)).toBe("web-5-iptables.conf");
    expect(names.get(9)).toBe("web-9-iptables.conf");
  });

  it("turns empty slugs into entity-ID", () => {
    const names = entityEntryNames([
      { id: 4, name: "日本" },
      { id: 6, name: "..." },
    ]);
    expect(names.get(4)).toBe("entity-4-iptables.conf");
    expect(names.get(6)).toBe("entity-6-iptables.conf");
  });

  it("keeps names unique when a suffixed name equals another entity's slug", () => {
    const names = entityEntryNames([
      { id: 1, name: "web" },
      { id: 2, name: "web" },
      { id: 3, name: "web-2" },
      { id: 4, name: "日本" },
      { id: 5, name: "entity-4" },
      { id: 6, name: "web-2" },
    ]);
    expect(names.get(1)).toBe("web-iptables.conf");
    expect(names.get(3)).toBe("web-2-iptables.conf");
    expect(names.get(2)).toBe("web-2-2-iptables.conf");
    expect(names.get(5)).toBe("entity-4-iptables.conf");
    expect(names.get(4)).toBe("entity-4-4-iptables.conf");
    expect(names.get(6)).toBe("web-2-6-iptables.conf");
    expect(new Set(names.values()).size).toBe(6);
  });

  it("is deterministic and independent of input order", () => {
    const entities = [
      { id: 10, name: "a" },
      { id: 2, name: "A" },
      { id: 7, name: "a-10" },
      { id: 1, name: "" },
    ];
    const expected = entityEntryNames(entities);
    expect(entityEntryNames([...entities].reverse())).toEqual(expected);
  });

  it("refuses duplicate ids", () => {
    expect(() =>
      entityEntryNames([
        { id: 1, name: "a" },
        { id: 1, name: "b" },
      ]),
    ).toThrow(/duplicate entity id/);
  });

  it("returns an empty map for no entities", () => {
    expect(entityEntryNames([]).size).toBe(0);
  });

  it("always gives unique, safe names for any entity names", () => {
    const name = fc.string({ unit: fc.constantFrom("a", "A", "-", "1", "2", ".", "/", "\\", " ", "é", "entity") });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.nat({ max: 60 }), name }), { selector: (e) => e.id }),
        (entities) => {
          const names = entityEntryNames(entities);
          expect(names.size).toBe(entities.length);
          expect(new Set(names.values()).size).toBe(entities.length);
          for (const entity of entities) {
            const entry = names.get(entity.id) ?? "";
            expect(entry.endsWith("-iptables.conf")).toBe(true);
            expectSafeFileName(entry);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("archive names", () => {
  it("names the project archive", () => {
    expect(projectArchiveName("Test Project 1", 3)).toBe("test_project_1-iptables.zip");
    expect(projectArchiveName("日本", 3)).toBe("project-3-iptables.zip");
    expect(projectArchiveName("../..", 8)).toBe("project-8-iptables.zip");
  });

  it("names the location archive", () => {
    expect(locationArchiveName("Test Project 1", "Main site", 3, 4)).toBe("test_project_1-main_site-iptables.zip");
    expect(locationArchiveName("日本", "Main site", 3, 4)).toBe("project-3-main_site-iptables.zip");
    expect(locationArchiveName("Acme", "Zürich ☃", 3, 4)).toBe("acme-zurich_-iptables.zip");
    expect(locationArchiveName("Acme", "☃", 3, 4)).toBe("acme-location-4-iptables.zip");
  });

  it("names the nftables archives", () => {
    expect(projectArchiveName("Test Project 1", 3, "nftables")).toBe("test_project_1-nftables.zip");
    expect(locationArchiveName("日本", "☃", 3, 4, "nftables")).toBe("project-3-location-4-nftables.zip");
  });

  it("never produces an unsafe archive name", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(), fc.nat(), (project, location, projectId, locationId) => {
        expectSafeFileName(projectArchiveName(project, projectId));
        expectSafeFileName(locationArchiveName(project, location, projectId, locationId));
        expectSafeFileName(entityRulesFileName(location, locationId));
      }),
    );
  });
});
