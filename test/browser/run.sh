#!/bin/sh
# Browser test of `strata serve` (Debian chromium + playwright-core; never downloads a browser).
# Needs: apt-get install -y chromium. Writes docs/screenshot.png.
set -eu
cd "$(dirname "$0")/../.."
exec node --import tsx --test --test-reporter=spec test/browser/serve.test.ts
