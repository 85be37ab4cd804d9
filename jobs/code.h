/* code.h — gzip tar archives in and out of a job: the user's
 * sourcedir.tar.gz unpacked into code/ (container-contracts.md §1.6), model/
 * and output/data/ packed into model.tar.gz and output.tar.gz (§1.8), and
 * model.tar.gz unpacked for serving (§2.3).
 *
 * Extraction never writes outside the destination: entries with an absolute
 * path or a ".." segment, symlinks whose target is absolute or climbs out,
 * hard links to such paths, and device nodes, FIFOs and sockets fail the
 * whole extraction (what was written before stays, inside the
 * destination); libarchive additionally refuses to write through any
 * symlink (ARCHIVE_EXTRACT_SECURE_SYMLINKS / _NODOTDOT).  A symlink target
 * must be relative without any ".." segment: a chain of links each of which
 * only goes down can never leave the tree, whereas "x -> ." plus
 * "y -> x/.." would.  Owners are not restored; setuid, setgid and sticky
 * bits are dropped, and the owner always keeps rwx on directories and rw on
 * files, so the daemon can delete what it unpacked. */
#ifndef SL_CODE_H
#define SL_CODE_H

#include <stddef.h>
#include <stdint.h>

#define CODE_MAX_BYTES (1ull << 30)  /* sourcedir.tar.gz: bytes once unpacked */
#define CODE_MAX_ENTRIES 100000u      /* ... and entries */

/* Fetch the gzip tar object s3uri from account's buckets and unpack it
 * into dest_dir (created if missing), within CODE_MAX_BYTES and
 * CODE_MAX_ENTRIES.  0, or -1 with err set to the FailureReason
 * ("ClientError: ..." for a missing object, a bucket that is not the
 * account's, a bad or hostile archive; "InternalServerError: ..." for I/O). */
int code_extract_s3(const char *account, const char *s3uri, const char *dest_dir, char *err, size_t n);

/* Unpack the local gzip (or plain) tar archive path into dest (created if
 * missing), refusing more than max_bytes unpacked (0 = no limit) or more
 * than CODE_MAX_ENTRIES entries.  0, or -1 with err set as above. */
int targz_extract_file(const char *path, const char *dest, uint64_t max_bytes, char *err, size_t n);

/* Pack the contents of dir into a gzip tar at out_path: entries relative to
 * dir ("a.pt", "sub/", "sub/b.bin"; no leading "./"), names sorted bytewise
 * at every level, regular files and directories only (symlinks, FIFOs,
 * sockets, devices are skipped and never followed), owner 0:0, modes
 * without setuid/setgid/sticky, mtimes kept.  An empty dir gives a valid
 * empty archive.  0, or -1 with err set (out_path removed). */
int targz_pack_dir(const char *dir, const char *out_path, char *err, size_t n);

#endif
