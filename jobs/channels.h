/* channels.h — training input channels, materialised from the blob store
 * into <root>/input/data/<channel>/ before the job starts
 * (container-contracts.md §1.9; DESIGN.md §4.2: copies or reflinks, never
 * hard links a script could write through).
 *
 * Where a file lands (S3Prefix): the object key relative to the S3Uri
 * prefix, folders kept.  A prefix that ends in '/' or stops at a '/' of the
 * key is a folder: s3://b/train and s3://b/train/ both put train/a.csv at
 * input/data/<ch>/a.csv and train/x/b.csv at x/b.csv.  A prefix that stops
 * inside a name (s3://b/data/tr matching data/train.csv, or an S3Uri naming
 * one object) keeps the key from the prefix's last '/': train.csv.
 * ManifestFile: each entry lands at its relative path as listed.
 *
 * Refused, failing the job: keys that would leave the channel directory
 * (absolute, '.' or '..' segments, NUL), two keys landing on one path,
 * channels with no objects, buckets that are missing or not the job
 * account's, FileSystemDataSource, AugmentedManifestFile.
 *
 * CompressionType Gzip: SageMaker documents it for Pipe mode only, where the
 * algorithm reads the decompressed stream (API Channel.CompressionType).
 * sagelite presents every channel as files, so a Gzip channel is delivered
 * decompressed in every input mode and a trailing ".gz" is dropped from the
 * name (so that readers that guess compression from the name — pandas —
 * read the content as it is).
 *
 * ShardedByS3Key: host i of n gets the objects whose position in key order
 * (manifest order for a manifest) is i-1 modulo n; a host may get none, as
 * on SageMaker. */
#ifndef SL_CHANNELS_H
#define SL_CHANNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jobdir.h"

/* Materialise every channel of input_data_config (the job's InputDataConfig
 * array) for host h (uses h->root, h->index, h->count) from the buckets of
 * account.  Call on a fresh job directory (files are created exclusively).
 * *bytes (may be NULL) gets the bytes written.  0, or -1 with err set to the
 * FailureReason ("ClientError: ..." for the job's mistakes,
 * "InternalServerError: ..." for ours).  Runs on the caller's thread: reads
 * the database and copies files, so not on an event loop. */
int channels_materialize(const struct job_host *h, const char *account,
			 const cJSON *input_data_config, uint64_t *bytes, char *err, size_t n);

/* The path, relative to the channel directory, where key lands for an
 * S3Prefix channel with prefix (both raw S3 key bytes; key_len lets a key
 * hold NUL).  Writes it to out and returns 1; 0 for a folder marker (a key
 * ending in '/') that makes no file; -1 when the key would escape the
 * channel directory or does not fit. */
int channels_rel_path(const char *prefix, const char *key, size_t key_len, char *out, size_t cap);

#endif
