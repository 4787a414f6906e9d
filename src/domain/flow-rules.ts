// The family rules of a communication (docs/usage.md): both ends IPv4 or both
// IPv6; ICMP joins IPv4 ends only, ICMPv6 IPv6 ends only. Pure, so the forms,
// the CSV import, the JSON interchange and the API give the same message; the
// validation layer re-exports them (src/validation/fields.ts).
import type { Protocol } from "./constants.js";
import { isIpv4 } from "./ipv4.js";

export type AddressFamily = "ipv4" | "ipv6";

/** The family of a stored interface address: a dotted quad is IPv4, anything else (already checked) IPv6. */
export function addressFamily(address: string): AddressFamily {
  return isIpv4(address) ? "ipv4" : "ipv6";
}

/** Every message of the family rules. */
export const familyMessages = {
  mixed: "Source and destination must both be IPv4 or both IPv6.",
  icmpNeedsIpv4: "ICMP needs IPv4 ends: for IPv6 ends, choose ICMPv6.",
  icmpv6NeedsIpv6: "ICMPv6 needs IPv6 ends: for IPv4 ends, choose ICMP.",
};

/** Why a flow of this protocol cannot join ends of these families, or null when it can. */
export function flowFamilyIssue(
  protocol: Protocol,
  sourceFamily: AddressFamily,
  destinationFamily: AddressFamily,
): string | null {
  if (sourceFamily !== destinationFamily) return familyMessages.mixed;
  if (protocol === "ICMP" && sourceFamily === "ipv6") return familyMessages.icmpNeedsIpv4;
  if (protocol === "ICMPv6" && sourceFamily === "ipv4") return familyMessages.icmpv6NeedsIpv6;
  return null;
}
