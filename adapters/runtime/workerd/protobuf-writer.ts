import $protobuf from 'protobufjs/minimal.js';

/*
 * workerd with nodejs_compat has a global Buffer, so protobufjs would pick its BufferWriter, which
 * writes strings with Buffer#utf8Write(string, offset). workerd's utf8Write takes the buffer's
 * whole length as the write length whatever the offset, and throws a RangeError for any string of
 * 40 characters or more that does not start the buffer. The plain array writer never calls it.
 */
export function createWriter(): $protobuf.Writer {
  return new $protobuf.Writer();
}
