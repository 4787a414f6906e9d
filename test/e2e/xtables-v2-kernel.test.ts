// Kernel checks of the next version's restore files (src/domain/iptables.ts and
// src/domain/ip6tables.ts), kept out of the fast unit run: every golden and
// random hostile inputs load into a fresh network namespace (root, else skipped
// with the reason); see describeXtablesKernel in test/support/firewall-v2-kernel.ts.
// The generators' pure tests: test/unit/iptables-v2.test.ts, test/unit/ip6tables.test.ts.
import { generateEntityIp6Rules } from "../../src/domain/ip6tables.js";
import { generateEntityRules } from "../../src/domain/iptables.js";
import { describeXtablesKernel } from "../support/firewall-v2-kernel.js";

describeXtablesKernel("ipv4", generateEntityRules, "rules");
describeXtablesKernel("ipv6", generateEntityIp6Rules, "rules");
