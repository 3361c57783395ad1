import $protobuf from 'protobufjs/minimal.js';

/** protobufjs's own pick: BufferWriter where there is a Buffer (Node, Deno, Bun), else the array writer. */
export function createWriter(): $protobuf.Writer {
  return $protobuf.Writer.create();
}
