// ringcore/fs: files on io_uring, shaped like node:fs/promises. Swap the
// import and ordinary code keeps working, whether it names what it uses or
// takes the default export (`import fs from 'ringcore/fs'`, as
// `import fs from 'node:fs/promises'`); see docs/fs.md for the op behind each
// function and where the behaviour differs from Node's.
import * as named from './exports.js';

export * from './exports.js';

/** Every named export in one plain object, as node:fs/promises' default export is. */
const fs = { ...named };
export default fs;
