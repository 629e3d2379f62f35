/** The one redaction rule (src/core/redact.ts): URL passwords split as Go's net/url splits them, rclone secrets, known values. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactRepository, redactText, repositorySecrets } from '../../src/core/redact.js';

test('a URL password is hidden whole, up to the last @ before the host (as Go parses it)', () => {
  assert.equal(redactRepository('rest:http://ann:Url@Pass@127.0.0.1:18999/'), 'rest:http://ann:…@127.0.0.1:18999/');
  assert.equal(redactRepository('rest:https://ann:s3cret@backup.example:8000/ann/'), 'rest:https://ann:…@backup.example:8000/ann/');
  assert.equal(redactRepository('rest:https://ann:a:b@c@host/x@y'), 'rest:https://ann:…@host/x@y', 'an @ in the path is not the user info\'s');
  assert.equal(redactRepository('s3:https://KEY:SECRET@minio.local:9000/bucket'), 's3:https://KEY:…@minio.local:9000/bucket');
  assert.equal(redactRepository('rest:http://:only-password@host/'), 'rest:http://:…@host/');
});

test('locations without a password come back unchanged', () => {
  for (const location of ['s3:s3.us-west-004.backblazeb2.com/bucket', 'b2:bucket:path/to', 'sftp:ann@nas.local:/srv/restic', 'sftp://ann@nas.local:2222//srv/restic',
    '/media/usb/restic', 'rest:http://127.0.0.1:8000/', 'rclone:b2prod:bucket/path', 'azure:container:/', 'rest:http://ann@host/']) {
    assert.equal(redactRepository(location), location);
  }
});

test('rclone connection strings hide their secret parameters', () => {
  assert.equal(redactRepository('rclone::sftp,host=nas,user=ann,pass=ObScUrEd:backups'), 'rclone::sftp,host=nas,user=ann,pass=…:backups');
  assert.equal(redactRepository('rclone::s3,access_key_id=AK,secret_access_key=SK,provider=Minio:bucket'), 'rclone::s3,access_key_id=…,secret_access_key=…,provider=Minio:bucket');
  assert.equal(redactRepository('rclone:remote,token="x,y":path'), 'rclone:remote,token=…:path');
});

test('free text: URL passwords, rclone secrets and given values', () => {
  assert.equal(redactText('Fatal: unable to open repository at rest:http://ann:Url@Pass@127.0.0.1:18999/: connection refused'),
    'Fatal: unable to open repository at rest:http://ann:…@127.0.0.1:18999/: connection refused');
  assert.equal(redactText('"rest:http://ann:p@ss@h/" failed'), '"rest:http://ann:…@h/" failed');
  assert.equal(redactText('key abcd and abcdef', ['abcd', 'abcdef']), 'key … and …');
  assert.equal(redactText('a b', ['a']), 'a b', 'values shorter than 4 characters would blank ordinary words');
});

test('the passwords inside a location, raw and percent-decoded', () => {
  assert.deepEqual(repositorySecrets('rest:http://ann:Url@Pass@127.0.0.1:18999/'), ['Url@Pass']);
  assert.deepEqual(repositorySecrets('rest:http://ann:p%40ss@h/'), ['p%40ss', 'p@ss']);
  assert.deepEqual(repositorySecrets('b2:bucket:path'), []);
});
