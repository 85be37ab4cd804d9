/* archive_dl.h — libarchive, loaded with dlopen on first use.  libarchive
 * brings libxml2, ICU and libstdc++ with it; linking it outright put ~2 MB
 * of their pages into every idle daemon, though only jobs that pack or
 * unpack tar.gz files need it.  Files that use libarchive include this
 * header instead of <archive.h>: each archive_* call below goes through a
 * table filled on the first call of a constructor (archive_read_new,
 * archive_write_new, archive_write_disk_new, archive_entry_new).  A host
 * without libarchive.so.13 is a broken install: the daemon says so and
 * aborts at that first call. */
#ifndef SL_ARCHIVE_DL_H
#define SL_ARCHIVE_DL_H

#include <archive.h>
#include <archive_entry.h>

#define SL_ARCHIVE_FUNCS(X) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_hardlink) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_perm) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_hardlink) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_set_uid) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_entry_symlink) \
	X(archive_error_string) \
	X(archive_filter_code) \
	X(archive_read_data) \
	X(archive_read_data_block) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open_fd) \
	X(archive_read_open_filename) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_format_raw) \
	X(archive_read_support_format_tar) \
	X(archive_write_add_filter_gzip) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_data_block) \
	X(archive_write_disk_new) \
	X(archive_write_disk_set_options) \
	X(archive_write_finish_entry) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open_filename) \
	X(archive_write_open_memory) \
	X(archive_write_set_filter_option) \
	X(archive_write_set_format_pax_restricted) \

struct sl_archive_api {
#define SL_ARCHIVE_MEMBER(f) __typeof__(f) *f;
	SL_ARCHIVE_FUNCS(SL_ARCHIVE_MEMBER)
#undef SL_ARCHIVE_MEMBER
};

/* The table (filled by sl_archive_api_load; read-only afterwards). */
extern struct sl_archive_api sl_archive;
/* Load libarchive once (thread-safe); aborts with a message if it cannot. */
void sl_archive_api_load(void);

#ifndef SL_ARCHIVE_DL_IMPL
/* Constructors load the library first: every other call follows one. */
#define archive_read_new() (sl_archive_api_load(), sl_archive.archive_read_new())
#define archive_write_new() (sl_archive_api_load(), sl_archive.archive_write_new())
#define archive_write_disk_new() (sl_archive_api_load(), sl_archive.archive_write_disk_new())
#define archive_entry_new() (sl_archive_api_load(), sl_archive.archive_entry_new())
#define archive_entry_filetype sl_archive.archive_entry_filetype
#define archive_entry_free sl_archive.archive_entry_free
#define archive_entry_hardlink sl_archive.archive_entry_hardlink
#define archive_entry_pathname sl_archive.archive_entry_pathname
#define archive_entry_perm sl_archive.archive_entry_perm
#define archive_entry_set_filetype sl_archive.archive_entry_set_filetype
#define archive_entry_set_gid sl_archive.archive_entry_set_gid
#define archive_entry_set_hardlink sl_archive.archive_entry_set_hardlink
#define archive_entry_set_mtime sl_archive.archive_entry_set_mtime
#define archive_entry_set_pathname sl_archive.archive_entry_set_pathname
#define archive_entry_set_perm sl_archive.archive_entry_set_perm
#define archive_entry_set_size sl_archive.archive_entry_set_size
#define archive_entry_set_uid sl_archive.archive_entry_set_uid
#define archive_entry_size sl_archive.archive_entry_size
#define archive_entry_size_is_set sl_archive.archive_entry_size_is_set
#define archive_entry_symlink sl_archive.archive_entry_symlink
#define archive_error_string sl_archive.archive_error_string
#define archive_filter_code sl_archive.archive_filter_code
#define archive_read_data sl_archive.archive_read_data
#define archive_read_data_block sl_archive.archive_read_data_block
#define archive_read_free sl_archive.archive_read_free
#define archive_read_next_header sl_archive.archive_read_next_header
#define archive_read_open_fd sl_archive.archive_read_open_fd
#define archive_read_open_filename sl_archive.archive_read_open_filename
#define archive_read_support_filter_gzip sl_archive.archive_read_support_filter_gzip
#define archive_read_support_format_raw sl_archive.archive_read_support_format_raw
#define archive_read_support_format_tar sl_archive.archive_read_support_format_tar
#define archive_write_add_filter_gzip sl_archive.archive_write_add_filter_gzip
#define archive_write_close sl_archive.archive_write_close
#define archive_write_data sl_archive.archive_write_data
#define archive_write_data_block sl_archive.archive_write_data_block
#define archive_write_disk_set_options sl_archive.archive_write_disk_set_options
#define archive_write_finish_entry sl_archive.archive_write_finish_entry
#define archive_write_free sl_archive.archive_write_free
#define archive_write_header sl_archive.archive_write_header
#define archive_write_open_filename sl_archive.archive_write_open_filename
#define archive_write_open_memory sl_archive.archive_write_open_memory
#define archive_write_set_filter_option sl_archive.archive_write_set_filter_option
#define archive_write_set_format_pax_restricted sl_archive.archive_write_set_format_pax_restricted
#endif

#endif
