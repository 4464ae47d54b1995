#!/bin/sh
# Regenerates the synthetic certificates used by the x509 unit tests (OpenSSL 3).
# Each certificate breaks one path-validation rule; see README.md.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
key() { openssl genpkey -algorithm "$1" ${2:+-pkeyopt ec_paramgen_curve:$2} -out "$tmp/$3.key" 2>/dev/null; }
# self-signed CA: name, extensions
selfsigned() {
  printf '%b' "$2" > "$tmp/$1.ext"
  openssl req -new -key "$tmp/$1.key" -subj "/O=sigchain-test/CN=$1" -out "$tmp/$1.csr"
  openssl x509 -req -in "$tmp/$1.csr" -signkey "$tmp/$1.key" -days 7300 -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}
# issued cert: name, issuer, extensions
issued() {
  printf '%b' "$3" > "$tmp/$1.ext"
  openssl req -new -key "$tmp/$1.key" -subj "/O=sigchain-test/CN=$1" -out "$tmp/$1.csr"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$2.pem" -CAkey "$tmp/$2.key" -CAcreateserial -days 3650 -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}
CA='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'
LEAF='keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n'
for k in root-pathlen0 inter leaf-via-inter leaf-direct leaf-critical-ext leaf-no-ku \
         root-no-certsign leaf-under-no-certsign root-not-ca leaf-under-not-ca \
         root-eku-server leaf-under-eku-server tsa-noncritical-eku; do key EC P-256 $k; done
key ED25519 '' root-ed25519; key EC P-256 leaf-under-ed25519
selfsigned root-pathlen0 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n'
issued inter root-pathlen0 "$CA"
issued leaf-via-inter inter "$LEAF"
issued leaf-direct root-pathlen0 "$LEAF"
issued leaf-critical-ext root-pathlen0 "${LEAF}1.2.3.4=critical,DER:05:00\n"
issued leaf-no-ku root-pathlen0 'extendedKeyUsage=codeSigning\n'
issued tsa-noncritical-eku root-pathlen0 'keyUsage=critical,digitalSignature\nextendedKeyUsage=timeStamping\n'
selfsigned root-no-certsign 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n'
issued leaf-under-no-certsign root-no-certsign "$LEAF"
selfsigned root-not-ca 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyCertSign\n'
issued leaf-under-not-ca root-not-ca "$LEAF"
selfsigned root-eku-server "${CA}extendedKeyUsage=serverAuth\n"
issued leaf-under-eku-server root-eku-server "$LEAF"
selfsigned root-ed25519 "$CA"
issued leaf-under-ed25519 root-ed25519 "$LEAF"
rm -f ./*.srl
