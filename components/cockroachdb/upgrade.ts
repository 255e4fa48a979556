import { imageVersion } from "../shared/labels.ts";
import { REFUSED_EXIT_CODE } from "./scaling.ts";
import { SQL_PORT } from "./topology.ts";

// Major-version upgrades. A StatefulSet rolls a new image onto the nodes one at a time, but CockroachDB
// only runs a binary that supports the cluster's active version: a skipped required release leaves the
// first rolled node crash-looping and the roll stuck with one node down. So the StatefulSet waits on a
// Job (upgrade-job.ts) that asks the running cluster for its version and refuses, before any pod is
// touched, an image that cannot join it. Before a major upgrade it turns automatic finalization off
// (cluster.auto_upgrade.enabled, since v23.2, kept across upgrades), so the old version stays a possible
// way back until `cockroach.finalizeUpgrade` says otherwise; CockroachDB then finalizes by itself once
// every node runs the new binary.
//
// The release train, from Cockroach Labs' release policy: majors are vYY.R; 23.1 and 23.2 (both
// required), 24.1 to 24.3, then four a year (YY.1 to YY.4). Since 24.1 they alternate Regular (required)
// and Innovation (skippable): from a Regular release a cluster may go to the next release or the one
// after it (skipping an Innovation release); from an Innovation release, only to the next.

export interface Major {
  year: number;
  release: number;
}

const FIRST_YEAR = 23;

function releasesIn(year: number): number {
  return year < 24 ? 2 : year === 24 ? 3 : 4;
}

/** "v26.2.0", "26.2", "25.4-upgrading-to-26.1-step-010" → the major; undefined for anything else. */
export function parseMajor(text: string): Major | undefined {
  const match = /^v?(\d{2})\.(\d+)(?:$|[.-])/.exec(text);
  if (!match) return undefined;
  const major = { year: Number(match[1]), release: Number(match[2]) };
  if (major.year < FIRST_YEAR || major.release < 1 || major.release > releasesIn(major.year))
    return undefined;
  return major;
}

/** The image tag's major (`cockroachdb/cockroach:v26.2.0`), if the tag names a release (a digest does not). */
export function imageMajor(image: string): Major | undefined {
  return parseMajor(imageVersion(image));
}

export const formatMajor = (m: Major) => `${m.year}.${m.release}`;

/** Position on the release train, 23.1 being 0. */
function position(m: Major): number {
  let n = 0;
  for (let year = FIRST_YEAR; year < m.year; year++) n += releasesIn(year);
  return n + m.release - 1;
}

function majorAt(n: number): Major {
  let year = FIRST_YEAR;
  while (n >= releasesIn(year)) n -= releasesIn(year++);
  return { year, release: n + 1 };
}

/** Innovation releases: every second major from 24.2 on. */
export function isInnovation(m: Major): boolean {
  const fromRegular = position(m) - position({ year: 24, release: 1 });
  return fromRegular > 0 && fromRegular % 2 === 1;
}

/** The cluster versions an image of major `target` can be rolled onto (itself, and what may precede it). */
export function upgradeSources(target: Major): Major[] {
  const at = position(target);
  const sources = [target];
  if (at >= 1) sources.push(majorAt(at - 1));
  if (at >= 2 && isInnovation(majorAt(at - 1))) sources.push(majorAt(at - 2));
  return sources;
}

/** Why a cluster at `from` cannot take an image of `to`, by the setting; undefined when it can. */
export function upgradePathProblem(from: Major, to: Major): string | undefined {
  if (upgradeSources(to).some((m) => position(m) === position(from))) return undefined;
  const f = formatMajor(from);
  const t = formatMajor(to);
  if (position(to) < position(from)) {
    return `vsekai-infra:cockroach.image: v${t} is not allowed on a cluster at version ${f}: a finalized cluster cannot go back a major version; set the image back to a v${f} release, or restore a backup into a new cluster`;
  }
  const next = majorAt(position(from) + 1);
  const steps = isInnovation(next)
    ? `v${formatMajor(next)} or v${formatMajor(majorAt(position(from) + 2))}`
    : `v${formatMajor(next)}`;
  return `vsekai-infra:cockroach.image: v${t} is not allowed on a cluster at version ${f}: CockroachDB cannot skip a required major release; upgrade to ${steps} first, finalize it (cockroach.finalizeUpgrade: true), then go on`;
}

export interface UpgradeCheckOptions {
  image: string;
  finalize: boolean;
  /** The discovery Service's FQDN: it names every pod, ready or not, and nothing when there is none. */
  discoveryFqdn: string;
  securityFlag: string;
  cockroach: string;
  attempts: number;
}

/**
 * The check Job's script (POSIX sh). No pod behind the discovery Service means no cluster yet: nothing to
 * check. Otherwise the cluster's active version (`SHOW CLUSTER SETTING version`, which stays the old one
 * until finalization) must be one this image can join; then automatic finalization is turned off before a
 * major upgrade, or on when `cockroach.finalizeUpgrade` is true.
 */
export function upgradeCheckScript(o: UpgradeCheckOptions): string {
  const target = imageMajor(o.image);
  if (target === undefined) {
    return `echo "*** ${o.image} names no CockroachDB release (vYY.R.P): the upgrade path is not checked ***"`;
  }
  const t = formatMajor(target);
  const sql = (rest: string) => `"$cockroach" sql ${o.securityFlag} --host="$discovery":${SQL_PORT} ${rest}`;
  const allowed = upgradeSources(target).map(formatMajor);
  return [
    "set -u",
    `cockroach='${o.cockroach}'`,
    `discovery='${o.discoveryFqdn}'`,
    "tries=0",
    `until out=$(${sql('--format=tsv --execute="SHOW CLUSTER SETTING version"')} 2>&1); do`,
    '  case "$out" in *"no such host"*) echo "no CockroachDB pod exists yet: nothing to upgrade"; exit 0 ;; esac',
    "  tries=$((tries + 1))",
    `  if [ "$tries" -ge ${o.attempts} ]; then echo "the cluster did not answer, so the image change waits: $out" >&2; exit 1; fi`,
    "  sleep 5",
    "done",
    'version=$(printf "%s\\n" "$out" | tail -n 1)',
    'major=$(printf "%s" "$version" | sed -n "s/^\\([0-9][0-9]*\\.[0-9][0-9]*\\).*/\\1/p")',
    'case "$major" in',
    `  ${allowed.map((m) => `"${m}"`).join("|")}) ;;`,
    "  *)",
    ...refusalLines(target),
    `    exit ${REFUSED_EXIT_CODE}`,
    "    ;;",
    "esac",
    o.finalize
      ? `${sql('--execute="SET CLUSTER SETTING cluster.auto_upgrade.enabled = true"')} >/dev/null || exit 1\necho "cluster at $version, image v${t}: finalization allowed (cockroach.finalizeUpgrade)"`
      : [
          `if [ "$major" != "${t}" ]; then`,
          `  ${sql('--execute="SET CLUSTER SETTING cluster.auto_upgrade.enabled = false"')} >/dev/null || exit 1`,
          `  echo "cluster at $version, image v${t}: a major upgrade; automatic finalization is off until cockroach.finalizeUpgrade is true"`,
          "else",
          `  echo "cluster at $version, image v${t}: no major upgrade"`,
          "fi",
        ].join("\n"),
  ].join("\n");
}

/** One refusal per possible source, so the message names the real version the cluster is at. */
function refusalLines(target: Major): string[] {
  const lines = ['    case "$major" in'];
  const at = position(target);
  for (let n = Math.max(0, at - 8); n <= at + 8; n++) {
    const from = majorAt(n);
    const problem = upgradePathProblem(from, target);
    if (problem !== undefined)
      lines.push(`      "${formatMajor(from)}") echo ${JSON.stringify(problem)} >&2 ;;`);
  }
  lines.push(
    `      *) echo "vsekai-infra:cockroach.image: the cluster reports version $version, which this check does not know; v${formatMajor(target)} is allowed on ${upgradeSources(target).map(formatMajor).join(", ")}" >&2 ;;`,
    "    esac",
  );
  return lines;
}
