// Constants shared by validation, data, domain and templates: one place for
// protocols, defaults and permission codes (docs/usage.md).

/** ICMP joins IPv4 ends only, ICMPv6 IPv6 ends only (docs/usage.md). */
export const PROTOCOLS = ["TCP", "UDP", "ICMP", "ICMPv6"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Inclusive port (TCP/UDP) or type (ICMP, ICMPv6) range per protocol. */
export const PORT_RANGE: Record<Protocol, { min: number; max: number; label: string }> = {
  TCP: { min: 1, max: 65535, label: "port" },
  UDP: { min: 1, max: 65535, label: "port" },
  ICMP: { min: 0, max: 255, label: "ICMP type" },
  ICMPv6: { min: 0, max: 255, label: "ICMPv6 type" },
};

/** Protocols whose "port" may be a range `first-last` (docs/usage.md). */
export const RANGE_PROTOCOLS: readonly Protocol[] = ["TCP", "UDP"];

export const DEFAULT_INTERFACE_NAME = "eth0";
export const HOST_NETMASK = "255.255.255.255";

export const NAME_MAX = 100;
export const DESCRIPTION_MAX = 10_000;

export const RESOURCES = ["project", "location", "entity", "interface", "communication"] as const;
export type Resource = (typeof RESOURCES)[number];
export const ACTIONS = ["add", "change", "delete"] as const;
export type Action = (typeof ACTIONS)[number];

export const PERMISSION_CODES = [
  "view",
  ...RESOURCES.flatMap((resource) => ACTIONS.map((action) => `${action}_${resource}` as const)),
] as const;
export type PermissionCode = (typeof PERMISSION_CODES)[number];

export const VIEWERS_GROUP = "Viewers";
export const EDITORS_GROUP = "Editors";

/** Groups that exist from the first start, with their permissions. */
export const DEFAULT_GROUPS: Record<string, readonly PermissionCode[]> = {
  [VIEWERS_GROUP]: ["view"],
  [EDITORS_GROUP]: PERMISSION_CODES,
};
