// Comlink has no exports map; its ESM build is imported by path so Node and bundlers load the same
// module. These declarations point the paths at Comlink's own types.
declare module 'comlink/dist/esm/comlink.mjs' {
  export * from 'comlink';
}
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import nodeEndpoint from 'comlink/dist/umd/node-adapter';
  export default nodeEndpoint;
}
