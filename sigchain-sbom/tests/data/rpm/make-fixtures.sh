#!/bin/sh
# Makes the sqlite rpmdb fixtures in this directory with the real rpm (Debian's `rpm` package,
# rpm 4.18, whose default database backend is sqlite) and the sqlite3 shell:
#
#   small.rpmdb.sqlite  three packages: `hello` (Vendor, Packager, URL, Requires, files),
#                       `libwidget` (an Epoch, no Vendor: the Packager is the supplier) and
#                       `bigdocs` (a 40 KB description and 600 files, so its header blob spills
#                       over many overflow pages);
#   many.rpmdb.sqlite   sixty small packages, so the Packages table's B-tree has an interior
#                       page above its leaves;
#   small-512.rpmdb.sqlite  the small database's Packages table copied with the sqlite3 shell
#                       into 512-byte pages (sqlite's smallest; every blob overflows) with 12
#                       reserved bytes per page, so page size and usable size are tested on
#                       more than sqlite's defaults.
#
# Every database is left in rollback-journal mode with nothing uncheckpointed: rpm opens its
# database in WAL mode, and changes still in `rpmdb.sqlite-wal` are not in the main file, which
# is all a cataloger reads. `PRAGMA journal_mode=DELETE` checkpoints the WAL into the file and
# removes it, so the committed file alone holds every package.
#
# Usage: sh make-fixtures.sh   (needs rpm, rpmbuild and sqlite3; writes only into this directory
# and a temporary directory it removes)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000

build() { # spec file
    rpmbuild --quiet -bb \
        --define "_topdir $work/top" \
        --define "_buildhost fixtures.example" \
        --define "use_source_date_epoch_as_buildtime 1" \
        --define "debug_package %{nil}" \
        --define "__os_install_post %{nil}" \
        --define "_build_id_links none" \
        "$1" >/dev/null
}

install_db() { # database file, rpm files...
    db=$1; shift
    dbdir=$work/db-$(basename "$db")
    mkdir -p "$dbdir"
    rpm --dbpath "$dbdir" --define '_db_backend sqlite' --initdb
    rpm --dbpath "$dbdir" --define '_db_backend sqlite' -i --justdb --nodeps --noscripts \
        --ignorearch --ignoreos "$@"
    sqlite3 "$dbdir/rpmdb.sqlite" 'PRAGMA journal_mode=DELETE;' >/dev/null
    cp "$dbdir/rpmdb.sqlite" "$db"
}

mkdir -p "$work/specs"
cat >"$work/specs/hello.spec" <<'SPEC'
Name:      hello
Version:   2.12.1
Release:   3.fc40
Summary:   Prints a friendly greeting
License:   GPL-3.0-or-later
URL:       https://www.gnu.org/software/hello/
Vendor:    Fedora Project
Packager:  Fedora Project <https://bugz.fedoraproject.org/hello>
Requires:  bash, libwidget >= 3.4, /bin/sh, libc.so.6()(64bit)
AutoReqProv: no
%description
The hello program prints a greeting.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/doc/hello
printf '#!/bin/sh\necho hello\n' > %{buildroot}/usr/bin/hello
echo readme > %{buildroot}/usr/share/doc/hello/README
%files
/usr/bin/hello
/usr/share/doc/hello/README
SPEC

cat >"$work/specs/libwidget.spec" <<'SPEC'
Name:      libwidget
Epoch:     2
Version:   3.4.5
Release:   2.el9
Summary:   Widgets
License:   MIT OR Apache-2.0
URL:       https://widget.example/
Packager:  Jane Doe <jane@example.org>
BuildArch: noarch
AutoReqProv: no
%description
Widgets for everyone.
%install
mkdir -p %{buildroot}/usr/share/libwidget
echo w > %{buildroot}/usr/share/libwidget/widget.txt
%files
/usr/share/libwidget/widget.txt
SPEC

{
    cat <<'SPEC'
Name:      bigdocs
Version:   1.0
Release:   1
Summary:   A package with a big header
License:   CC-BY-SA-4.0
Vendor:    Example Docs Inc.
BuildArch: noarch
AutoReqProv: no
%description
SPEC
    i=0
    while [ $i -lt 600 ]; do
        echo "Line $i of a long description that makes the header blob span many sqlite pages."
        i=$((i + 1))
    done
    cat <<'SPEC'
%install
mkdir -p %{buildroot}/usr/share/doc/bigdocs
for i in $(seq 1 600); do echo $i > %{buildroot}/usr/share/doc/bigdocs/page-$i.txt; done
%files
/usr/share/doc/bigdocs
SPEC
} >"$work/specs/bigdocs.spec"

# Sixty packages from one spec: one main package and 59 subpackages.
{
    cat <<'SPEC'
Name:      many
Version:   1.0
Release:   1
Summary:   Many small packages
License:   MIT
Vendor:    Example Many
BuildArch: noarch
AutoReqProv: no
%description
Package 0.
%install
mkdir -p %{buildroot}/usr/share/many
for i in $(seq 0 59); do echo $i > %{buildroot}/usr/share/many/file-$i; done
%files
/usr/share/many/file-0
SPEC
    i=1
    while [ $i -lt 60 ]; do
        printf '%%package -n many-%02d\nSummary: Package %d\nVersion: 1.%d\n%%description -n many-%02d\nPackage %d.\n%%files -n many-%02d\n/usr/share/many/file-%d\n' \
            $i $i $i $i $i $i $i
        i=$((i + 1))
    done
} >"$work/specs/many.spec"

for spec in hello libwidget bigdocs many; do
    build "$work/specs/$spec.spec"
done
rpms=$work/top/RPMS

install_db "$here/small.rpmdb.sqlite" "$rpms"/*/hello-*.rpm "$rpms"/*/libwidget-*.rpm \
    "$rpms"/*/bigdocs-*.rpm
install_db "$here/many.rpmdb.sqlite" "$rpms"/noarch/many-*.rpm

# The small database's Packages table copied into a fresh database with 512-byte pages, 12 of
# them reserved at each page's end (as an encryption or checksum extension would keep them).
rm -f "$here/small-512.rpmdb.sqlite"
sqlite3 "$here/small-512.rpmdb.sqlite" >/dev/null <<SQL
PRAGMA page_size=512;
.filectrl reserve_bytes 12
ATTACH '$here/small.rpmdb.sqlite' AS src;
CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
INSERT INTO Packages SELECT hnum, blob FROM src.Packages;
SQL
ls -l "$here"/*.sqlite
