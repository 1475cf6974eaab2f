/**
 * Which stack `task up`, `down` and `status` drive: the single-node stack
 * (`single`, the default) or the cluster profile (`cluster`, stack/cluster.ts).
 * `STACK_PROFILE` picks it; otherwise the profile that made .data/ does, so
 * `task status` after `task up:cluster` shows the cluster.
 *
 * @module
 */
import { join } from "node:path";
import { DATA } from "./paths.ts";
import { SERVICES } from "./services.ts";
import { CLUSTER_SERVICES } from "./cluster.ts";
import type { Service } from "./types.ts";

/** A stack profile. */
export type Profile = "single" | "cluster";

const PROFILES: readonly Profile[] = ["single", "cluster"];
const PROFILE_FILE = join(DATA, "profile");

/**
 * The profile `STACK_PROFILE` names, else the one .data/ was made by, else `single`.
 *
 * @throws {RangeError} When `STACK_PROFILE` names no profile.
 */
export async function currentProfile(): Promise<Profile> {
  const wanted = Deno.env.get("STACK_PROFILE");
  if (wanted) {
    if (!PROFILES.includes(wanted as Profile)) {
      throw new RangeError(`STACK_PROFILE is "${wanted}"; set it to one of ${PROFILES.join(", ")} (or unset it)`);
    }
    return wanted as Profile;
  }
  return (await stateProfile()) ?? "single";
}

/** The profile whose state .data/ holds, or undefined when it holds none. */
async function stateProfile(): Promise<Profile | undefined> {
  try {
    return (await Deno.readTextFile(PROFILE_FILE)).trim() as Profile;
  } catch {
    // made before profiles existed, by the single-node stack, or no state yet
  }
  try {
    await Deno.stat(join(DATA, "kafka", "log", "meta.properties"));
    return "single";
  } catch {
    return undefined;
  }
}

/**
 * Records that .data/ belongs to `profile`.
 *
 * @throws {Error} When .data/ holds the other profile's state: its Kafka topics start from offset 0 again, so
 *   MongoDB documents keyed by record coordinates would be overwritten.
 */
export async function claimProfile(profile: Profile): Promise<void> {
  const existing = await stateProfile();
  if (existing !== undefined && existing !== profile) {
    throw new Error(
      `.data/ holds the state of the ${existing} profile, not of the ${profile} one; its Kafka starts empty, and ` +
        `documents keyed by topic offsets would be overwritten: stop it ("task down"), move .data/ away or ` +
        `delete it ("task reset"), then start the ${profile} profile`,
    );
  }
  await Deno.mkdir(DATA, { recursive: true });
  await Deno.writeTextFile(PROFILE_FILE, `${profile}\n`);
}

/** The services of `profile`, in start order. */
export function profileServices(profile: Profile): readonly Service[] {
  return profile === "cluster" ? CLUSTER_SERVICES : SERVICES;
}

/** The column width of service names in `task up` and `task status`: the longest name, at least 14. */
export function nameWidth(services: readonly Service[]): number {
  return Math.max(14, ...services.map((s) => s.name.length));
}
