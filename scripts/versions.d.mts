// Types for scripts/versions.mjs (plain JavaScript so release.yml runs it with no dependencies installed).
export interface VersionPlace {
  file: string;
  line: number;
  what: string;
  version: string | undefined;
}
export function findVersions(texts: ReadonlyMap<string, string>): VersionPlace[];
export function changelogSection(text: string, version: string): string | undefined;
export function versionProblems(texts: ReadonlyMap<string, string>, tag?: string): string[];
export function setVersion(texts: ReadonlyMap<string, string>, version: string, date: string): Map<string, string>;
