#!/usr/bin/env bash
# Vendor the web app's browser assets into src/caresignal/web/static/vendor/ and write
# src/caresignal/web/static/README.md (versions, licences, sources, sha256 of every file).
#
# Hospital networks block CDNs and hospital servers may have no internet, so the app serves
# everything a browser needs itself and downloads nothing at run time. This script is the only
# place the assets come from: it fetches each package's tarball from the npm registry with
# `npm pack` (no install, no package scripts run), checks it against the integrity pinned below,
# and copies only the built, minified files a browser needs plus each package's licence.
#
# To update: change a version and its integrity (`npm view PACKAGE@VERSION dist.integrity`)
# below, run `scripts/vendor-static.sh`, and review the diff. Needs bash, tar and Node.js with npm.
#
# Every vendored file is the package's own, byte for byte, except two (each edit checked below):
# nhsuk-frontend.min.css, whose @font-face rules are removed, because they load the Frutiger
# font from https://assets.nhs.uk at run time (the page falls back to Arial, the NHS.UK
# frontend's own fallback), and whose image URLs /assets/images/... become relative
# (assets/images/...), so they resolve next to the stylesheet wherever static/ is mounted; and
# vega-interpreter.js, an ES module whose one import (from vega-util) becomes a read of the same
# three names from the global `vega` that vega.min.js defines (it exports all of vega-util), so
# the browser needs no import map or bundler.

set -euo pipefail

# name, version, npm integrity of the tarball (`npm view NAME@VERSION dist.integrity`)
PACKAGES=(
  "nhsuk-frontend 10.6.1 sha512-PZorqQZjZx/A26yJoskCL9z0ib6AtkAyF0o4K/RHr8zRrJyXrUOCnMbjy0VNXsGO4tfTNMwqlkwATKs4a0xayw=="
  "vega 6.4.0 sha512-rHXCq2LpEWCLMjXBEj7hocY9G0/i5TGYRayGGSj06VTF4+l2IG2Z7oeZKCjWbUh/7hTE/mVhbaOPB72wCElh6g=="
  "vega-lite 6.5.0 sha512-fMXF6s0MrIg0UTWnLIfeFtgSLzVhyzSKobzGrh5rhS+mL6FOYFG3m7ouJ4U23gj65EK+gl9FIIT5w7wLNaAzkA=="
  "vega-embed 7.3.0 sha512-wQ8s5GaSzqoKgmRfbRolgBrjE2CP7ZKHXqH7NijxMqPjpdWxSs4Dn8tvp9g0giQvh2cK+3p56sxjWWM0wNngGw=="
  "vega-interpreter 2.3.2 sha512-JDAoi3taFcCDLujZG84TNNUXdkAZ5WsSHssx8lWVYaxb9Slsjk7v7PtRIYXpSlUwLaKGRBqoJ9KDs36Z0eMEIw=="
  "htmx.org 2.0.11 sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATIC="$ROOT/src/caresignal/web/static"
VENDOR="$STATIC/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

digest() { # digest ALGORITHM ENCODING FILE: a file's digest, with Node so it runs anywhere npm does
  node -e 'const c = require("crypto"), f = require("fs");
    process.stdout.write(c.createHash(process.argv[1]).update(f.readFileSync(process.argv[3]))
      .digest(process.argv[2]))' "$1" "$2" "$3"
}

fetch() { # fetch NAME VERSION INTEGRITY: unpack the checked tarball into $WORK/NAME/package
  local name=$1 version=$2 integrity=$3 tarball actual
  (cd "$WORK" && npm pack --silent --loglevel=error "$name@$version" >/dev/null)
  tarball="$WORK/$name-$version.tgz"
  actual="sha512-$(digest sha512 base64 "$tarball")"
  if [[ "$actual" != "$integrity" ]]; then
    echo "error: $name@$version tarball is $actual, expected $integrity" >&2
    exit 1
  fi
  mkdir -p "$WORK/$name"
  tar -xzf "$tarball" -C "$WORK/$name"
}

place() { # place FROM TO: copy one file into the vendor directory, making its folder
  mkdir -p "$(dirname "$VENDOR/$2")"
  cp "$WORK/$1" "$VENDOR/$2"
}

for entry in "${PACKAGES[@]}"; do
  read -r name version integrity <<<"$entry"
  fetch "$name" "$version" "$integrity"
done

rm -rf "$VENDOR"
mkdir -p "$VENDOR"

# nhsuk-frontend: compiled CSS and JS (an ES module) and the images they and the page use.
NHS=nhsuk-frontend/package/dist/nhsuk
place "$NHS/nhsuk-frontend.min.js" nhsuk-frontend/nhsuk-frontend.min.js
place "$NHS/assets/manifest.json" nhsuk-frontend/assets/manifest.json
for image in "$WORK/$NHS"/assets/images/*; do
  place "$NHS/assets/images/$(basename "$image")" "nhsuk-frontend/assets/images/$(basename "$image")"
done
node -e '
  const fs = require("fs");
  let css = fs.readFileSync(process.argv[1], "utf8");
  const faces = css.match(/@font-face\{[^}]*\}/g) || [];
  if (faces.length === 0) throw new Error("no @font-face rules found: check the edit still applies");
  css = css.replace(/@font-face\{[^}]*\}/g, "");
  css = css.replace(/url\(\/assets\//g, "url(assets/");
  css = css.replace(/\n?\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "\n");
  if (/url\((["\x27]?)(https?:|\/)/.test(css)) throw new Error("an absolute URL is left in the CSS");
  fs.writeFileSync(process.argv[2], css);
' "$WORK/$NHS/nhsuk-frontend.min.css" "$VENDOR/nhsuk-frontend/nhsuk-frontend.min.css"
for image in $(grep -o 'url(assets/[^)]*)' "$VENDOR/nhsuk-frontend/nhsuk-frontend.min.css" \
  | sed -e 's/^url(//' -e 's/)$//' | sort -u); do
  [[ -f "$VENDOR/nhsuk-frontend/$image" ]] || { echo "error: CSS needs missing $image" >&2; exit 1; }
done
# The npm package has no licence file; its package.json and README say MIT. This is the LICENSE
# file of https://github.com/nhsuk/nhsuk-frontend.
cat >"$VENDOR/nhsuk-frontend/LICENSE" <<'EOF'
MIT License

Copyright (c) 2019 NHS.UK

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF

# Vega, Vega-Lite and vega-embed: the minified browser builds (vega-embed bundles vega-tooltip).
place vega/package/build/vega.min.js vega/vega.min.js
place vega/package/LICENSE vega/LICENSE
place vega-lite/package/build/vega-lite.min.js vega-lite/vega-lite.min.js
place vega-lite/package/LICENSE vega-lite/LICENSE
place vega-embed/package/build/vega-embed.min.js vega-embed/vega-embed.min.js
place vega-embed/package/LICENSE vega-embed/LICENSE

# vega-interpreter: Vega's expression interpreter, which evaluates expressions without
# `new Function`, so charts draw under a content security policy without 'unsafe-eval'. Its
# build is an ES module importing three names from vega-util; they are read from the global
# `vega` instead (load vega.min.js first). The source-map comment is dropped with the map.
mkdir -p "$VENDOR/vega-interpreter"
node -e '
  const fs = require("fs");
  let js = fs.readFileSync(process.argv[1], "utf8");
  const from = "import { ascending, isString, DisallowedObjectProperties } from \x27vega-util\x27;";
  if (js.split(from).length !== 2) throw new Error("the vega-util import was not found once: check the edit");
  js = js.replace(from, "const { ascending, isString, DisallowedObjectProperties } = window.vega;");
  js = js.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, "\n");
  if (/^\s*import\b|\bfrom\s+["\x27]/m.test(js)) throw new Error("an import is left in vega-interpreter.js");
  if (!/export \{ expression as expressionInterpreter \};/.test(js)) throw new Error("no expressionInterpreter export");
  fs.writeFileSync(process.argv[2], js);
' "$WORK/vega-interpreter/package/build/vega-interpreter.js" "$VENDOR/vega-interpreter/vega-interpreter.js"
place vega-interpreter/package/LICENSE vega-interpreter/LICENSE

# htmx 2: one file.
place htmx.org/package/dist/htmx.min.js htmx.org/htmx.min.js
place htmx.org/package/LICENSE htmx.org/LICENSE

licence_of() { node -e 'process.stdout.write(require(process.argv[1]).license)' "$WORK/$1/package/package.json"; }

{
  cat <<'EOF'
# Static files of the web app

Everything a browser needs is served from here: caresignal's pages work on hospital networks
that block CDNs and on servers with no internet, and nothing is downloaded at run time.
`vendor/` holds third-party files, each package in its own folder with its licence. They are
written by `scripts/vendor-static.sh` (do not edit them by hand): it fetches each package's
tarball from the npm registry with `npm pack`, checks it against the integrity pinned in the
script, copies only the built, minified files a browser needs, and rewrites this file. To update
a package, change its version and integrity in the script and run it.

| package | version | licence | from | what is vendored |
|---|---|---|---|---|
EOF
  echo "| nhsuk-frontend | $(grep -o '"version": *"[^"]*"' "$WORK/nhsuk-frontend/package/package.json" | grep -o '[0-9][^"]*') | $(licence_of nhsuk-frontend) | https://www.npmjs.com/package/nhsuk-frontend (source: https://github.com/nhsuk/nhsuk-frontend) | \`dist/nhsuk/nhsuk-frontend.min.css\` (edited, see below), \`nhsuk-frontend.min.js\` (an ES module), \`assets/\` (icons, favicons, manifest) |"
  for entry in "${PACKAGES[@]:1}"; do
    read -r name version _ <<<"$entry"
    case $name in
      htmx.org) built="\`dist/htmx.min.js\`" ;;
      vega-interpreter) built="\`build/vega-interpreter.js\` (an ES module, edited, see below)" ;;
      *) built="\`build/$name.min.js\`" ;;
    esac
    echo "| $name | $version | $(licence_of "$name") | https://www.npmjs.com/package/$name | $built |"
  done
  cat <<'EOF'

Notes:

- **nhsuk-frontend.min.css** is the package's compiled stylesheet with two edits, made and
  checked by the script: its `@font-face` rules are removed, because they would load the
  Frutiger font from `https://assets.nhs.uk` at run time (Frutiger is licensed for NHS services
  and cannot be redistributed; pages fall back to Arial, as the NHS.UK frontend's own font stack
  says); and its image URLs `/assets/images/...` are made relative (`assets/images/...`) so they
  resolve next to the stylesheet wherever `static/` is mounted. Its source-map comment is dropped.
- **vega-interpreter.js** is the package's ES module build with one edit, made and checked by the
  script: its only import, `import { ascending, isString, DisallowedObjectProperties } from
  'vega-util';`, becomes `const { ascending, isString, DisallowedObjectProperties } =
  window.vega;` (vega.min.js exports all of vega-util, so the three are the same functions), so
  a browser loads it without an import map; its source-map comment is dropped. It evaluates
  Vega's expressions without `new Function`, which the pages' content security policy forbids
  (no `'unsafe-eval'`): `static/charts.js` passes it to vega-embed (`{ast: true, expr:
  expressionInterpreter}`).
- Every other file is the package's own, byte for byte.
- The nhsuk-frontend npm package ships no licence file; its `package.json` and README say MIT,
  and `vendor/nhsuk-frontend/LICENSE` is the LICENSE file of its GitHub repository.
  Its README adds that the documentation is © NHS England under the Open Government Licence 3.0.
- `vega.min.js` also contains d3 modules (ISC licence), and `vega-embed.min.js` contains
  vega-tooltip and vega-themes (BSD-3-Clause) and a few small libraries (fast-json-patch and
  json-stringify-pretty-compact, MIT; semver, ISC; tslib, 0BSD). Upstream's builds carry no
  separate notices for them; all are permissive licences compatible with caresignal's MIT.
- The minified Vega-Lite and vega-embed builds end with a `sourceMappingURL` comment; the maps
  are not vendored (only a browser's developer tools ask for them).
- vega-embed's build expects the globals `vega` and `vegaLite`: load `vega.min.js`, then
  `vega-lite.min.js`, then `vega-embed.min.js`; `vega-interpreter.js` reads the global `vega`
  too. nhsuk-frontend's script is an ES module:
  `<script type="module">import { initAll } from ".../nhsuk-frontend.min.js"; initAll()</script>`.

## sha256 of every vendored file

```
EOF
  (cd "$STATIC" && find vendor -type f | LC_ALL=C sort | while read -r file; do
    echo "$(digest sha256 hex "$file")  $file"
  done)
  echo '```'
} >"$STATIC/README.md"

echo "vendored into $VENDOR:"
(cd "$VENDOR" && du -sh -- * | sed 's/^/  /')
