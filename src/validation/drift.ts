// The drift check's JSON body in the API (docs/api.md, "Drift check"):
// `{"text": "…"}`, the host's rules as the entity page's Host rules text area
// takes them. What the text must be (a format the check reads, at most 2 MiB)
// is the drift check's own business (docs/drift.md), not this schema's.
import { z } from "zod";

export const driftBody = z.strictObject({
  text: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? "text is required: the host's rules, as iptables-save, ip6tables-save or nft -j list ruleset printed them."
          : "text must be a string: the host's rules as one text.",
    })
    .meta({
      description:
        "What iptables-save, ip6tables-save or `nft -j list ruleset` printed on the host, unchanged; at most 2 MiB.",
    }),
});
