import { describe, expect, it } from "vitest";
import { addDays, expiryState, isExpired, todayUtc } from "../../src/domain/expiry.js";

describe("flow expiry", () => {
  it("reads today in UTC", () => {
    expect(todayUtc(new Date("2026-12-01T23:59:59-05:00"))).toBe("2026-12-02");
  });
  it("adds days across months and leap years", () => {
    expect(addDays("2028-02-20", 14)).toBe("2028-03-05");
    expect(addDays("2026-12-25", 14)).toBe("2027-01-08");
  });
  it("keeps a flow on its Expires day and drops it the day after", () => {
    expect(isExpired("2026-12-02", "2026-12-02")).toBe(false);
    expect(isExpired("2026-12-01", "2026-12-02")).toBe(true);
    expect(isExpired(null, "2026-12-02")).toBe(false);
  });
  it("flags flows expiring within 14 days", () => {
    expect(expiryState("2026-12-01", "2026-12-02")).toBe("expired");
    expect(expiryState("2026-12-02", "2026-12-02")).toBe("expiring");
    expect(expiryState("2026-12-16", "2026-12-02")).toBe("expiring");
    expect(expiryState("2026-12-17", "2026-12-02")).toBe("active");
    expect(expiryState(undefined, "2026-12-02")).toBe("active");
  });
});
