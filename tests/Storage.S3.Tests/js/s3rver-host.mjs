// Starts s3rver (a local S3-compatible server) for the Bulwark.Storage.S3 tests.
//
//   node --openssl-legacy-provider s3rver-host.mjs --directory DIR --bucket NAME [--bucket NAME ...] [--conditional-bucket NAME ...]
//
// (s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 offers only in its legacy provider: without
// the flag every truncated listing fails with InternalError.)
//
// It listens on 127.0.0.1 on a port the OS picks, prints one JSON line {"port": N} on stdout once it accepts
// connections, and stops when its standard input closes (the test fixture closes it; a test process that dies closes
// it too), so no server outlives the tests that started it.
//
// s3rver 3.7.1 does not implement two multipart operations that object storage clients rely on, and ignores
// conditional writes. This host adds, in front of s3rver's own routes and over s3rver's own upload directory layout:
//   - ListMultipartUploads (GET /BUCKET?uploads) and AbortMultipartUpload (DELETE /BUCKET/KEY?uploadId=ID), which
//     s3rver answers with NotImplemented and MethodNotAllowed;
//   - If-None-Match: * on PUT Object and CompleteMultipartUpload, ONLY for the buckets named with
//     --conditional-bucket: 412 PreconditionFailed when the key exists, as Amazon S3 does. The other buckets keep
//     s3rver's own behaviour (the header is ignored and the object overwritten), so the tests see both kinds of server.
// These additions skip s3rver's signature check; they exist for the tests only.

import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import path from 'node:path';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const S3Error = require('s3rver/lib/models/error');

function parseArguments(argv) {
  const options = { directory: undefined, buckets: [], conditionalBuckets: [] };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--directory':
        options.directory = value;
        i++;
        break;
      case '--bucket':
        options.buckets.push(value);
        i++;
        break;
      case '--conditional-bucket':
        options.conditionalBuckets.push(value);
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!options.directory) {
    throw new Error('--directory is required');
  }
  return options;
}

const options = parseArguments(process.argv.slice(2));
const uploadsDirectory = bucket => path.join(options.directory, bucket, '._S3rver_uploads');

// Splits a path-style request path into bucket and key ('' when the path names only the bucket).
function bucketAndKey(ctx) {
  const [, bucket = '', ...rest] = ctx.path.split('/');
  return { bucket: decodeURIComponent(bucket), key: rest.map(decodeURIComponent).join('/') };
}

async function listUploads(bucket, prefix) {
  let ids;
  try {
    ids = await fs.readdir(uploadsDirectory(bucket));
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  const uploads = [];
  for (const uploadId of ids) {
    const keyFile = path.join(uploadsDirectory(bucket), uploadId, 'key');
    try {
      const [key, stat] = await Promise.all([fs.readFile(keyFile, 'utf8'), fs.stat(keyFile)]);
      if (key.startsWith(prefix)) uploads.push({ key, uploadId, initiated: stat.mtime });
    } catch (error) {
      if (error.code !== 'ENOENT') throw error; // completed or aborted meanwhile
    }
  }
  uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.uploadId < b.uploadId ? -1 : 1));
  return uploads;
}

// One chain of promises per bucket/key: a conditional write checks and writes while no other write to the key runs.
const keyChains = new Map();
async function exclusively(id, action) {
  const previous = keyChains.get(id) ?? Promise.resolve();
  let release;
  const current = new Promise(resolve => (release = resolve));
  const chained = previous.then(() => current);
  keyChains.set(id, chained);
  await previous;
  try {
    return await action();
  } finally {
    release();
    if (keyChains.get(id) === chained) keyChains.delete(id);
  }
}

const owner = { ID: '123456789000', DisplayName: 'S3rver' };

async function additions(ctx, next) {
  const { bucket, key } = bucketAndKey(ctx);
  if (ctx.method === 'GET' && key === '' && 'uploads' in ctx.query) {
    const prefix = ctx.query.prefix ?? '';
    const uploads = await listUploads(bucket, prefix);
    ctx.body = {
      ListMultipartUploadsResult: {
        '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
        Bucket: bucket,
        KeyMarker: '',
        UploadIdMarker: '',
        NextKeyMarker: '',
        NextUploadIdMarker: '',
        Prefix: prefix,
        MaxUploads: 1000,
        IsTruncated: false,
        Upload: uploads.map(u => ({
          Key: u.key,
          UploadId: u.uploadId,
          Initiator: owner,
          Owner: owner,
          StorageClass: 'STANDARD',
          Initiated: u.initiated.toISOString(),
        })),
      },
    };
    return;
  }

  if (ctx.method === 'DELETE' && key !== '' && 'uploadId' in ctx.query) {
    const directory = path.join(uploadsDirectory(bucket), path.basename(String(ctx.query.uploadId)));
    try {
      await fs.stat(directory);
    } catch (error) {
      if (error.code === 'ENOENT') {
        throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: ctx.query.uploadId });
      }
      throw error;
    }
    await fs.rm(directory, { recursive: true, force: true });
    ctx.status = 204;
    return;
  }

  const conditional =
    ctx.headers['if-none-match'] === '*' &&
    key !== '' &&
    options.conditionalBuckets.includes(bucket) &&
    ((ctx.method === 'PUT' && !('uploadId' in ctx.query) && !('x-amz-copy-source' in ctx.headers)) ||
      (ctx.method === 'POST' && 'uploadId' in ctx.query));
  if (conditional) {
    await exclusively(`${bucket}/${key}`, async () => {
      if (await ctx.app.store.existsObject(bucket, key)) {
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
          Condition: 'If-None-Match',
        });
      }
      await next();
    });
    return;
  }

  await next();
}

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: process.env.S3RVER_VERBOSE !== '1',
  directory: options.directory,
  vhostBuckets: false,
  configureBuckets: [...options.buckets, ...options.conditionalBuckets].map(name => ({ name })),
});

// s3rver's router is its last middleware: the additions run just before it, after its XML encoding and error handling.
server.middleware.splice(server.middleware.length - 1, 0, additions);

const address = await server.run();
process.stdout.write(JSON.stringify({ port: address.port }) + '\n');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await server.close();
  } finally {
    process.exit(0);
  }
}

process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
