import { UserError } from '../errors.js';
import { def, type HelperTable } from './base.js';

// Helm helpers strata refuses, each with the reason. The output of a render must depend only on the
// commit (Argo CD compares it with the cluster on every refresh, and caches it by commit): anything that
// reads the clock, draws random numbers, reads the process environment, or asks the network or the cluster
// would make the same commit render differently, or leak the machine's state into manifests.

const CLOCK =
  'reads the clock, so every render would differ and Argo CD would never see the app in sync; put the date in values';
const RANDOM =
  'is random, so every render would differ and Argo CD would never see the app in sync; generate the value once and keep it in a Secret managed outside the chart (sealed-secrets, external-secrets)';
const KEYS =
  'generates keys or certificates at render time (new ones on every render, and private keys in the manifest); use cert-manager or a Secret managed outside the chart';
const SECRET =
  'puts secret material into the manifests at render time; keep secrets out of the repository (sealed-secrets, external-secrets)';
const ENV =
  'reads the environment of the rendering process, which is not part of the commit; pass the value through values or --set';
const NETWORK = 'queries the network at render time; the output must depend only on the commit';

/** Refused Helm/sprig helper -> why (the engine's unknown-helper message tells these apart from typos). */
export const REFUSED_HELPERS: Readonly<Record<string, string>> = Object.freeze({
  now: CLOCK,
  date: CLOCK,
  dateInZone: CLOCK,
  date_in_zone: CLOCK,
  dateModify: CLOCK,
  date_modify: CLOCK,
  mustDateModify: CLOCK,
  must_date_modify: CLOCK,
  ago: CLOCK,
  htmlDate: CLOCK,
  htmlDateInZone: CLOCK,
  unixEpoch: CLOCK,
  randAlphaNum: RANDOM,
  randAlpha: RANDOM,
  randNumeric: RANDOM,
  randAscii: RANDOM,
  randInt: RANDOM,
  randBytes: RANDOM,
  shuffle: RANDOM,
  uuidv4: RANDOM,
  genPrivateKey: KEYS,
  genCA: KEYS,
  genCAWithKey: KEYS,
  genSelfSignedCert: KEYS,
  genSelfSignedCertWithKey: KEYS,
  genSignedCert: KEYS,
  genSignedCertWithKey: KEYS,
  buildCustomCert: KEYS,
  derivePassword: SECRET,
  bcrypt: SECRET,
  htpasswd: SECRET,
  encryptAES: SECRET,
  decryptAES: SECRET,
  env: ENV,
  expandenv: ENV,
  getHostByName: NETWORK,
  lookup:
    "queries the cluster (Helm's four-argument lookup), and strata renders without one: Argo CD compares the output with the cluster itself; put what you need in values",
});

/** The one-line refusal for a helper. */
export function refusal(name: string): string {
  return `${name} is not available in strata: it ${REFUSED_HELPERS[name]}`;
}

/** Refused helpers as helpers that fail with their reason (lookup keeps Handlebars' 2-argument form elsewhere). */
export const REFUSED_TABLE: HelperTable = Object.fromEntries(
  Object.keys(REFUSED_HELPERS)
    .filter((n) => n !== 'lookup')
    .map((n) => [
      n,
      def(0, Infinity, () => {
        throw new UserError(refusal(n));
      }),
    ]),
);
