#!/usr/bin/env node
// Read bibliography files back with citation-js, for `exporter validate`.
//
// Usage: node read.js FILE...   (refs.ris, refs.bib, refs.json: the type is forced by extension)
// Prints one JSON object to stdout: {"FILE": [CSL-JSON item, ...], ...}. Parse errors and
// citation-js warnings exit 1 with the message on stderr, so the Python side can report them.
'use strict'

const fs = require('fs')
const path = require('path')
const { Cite, logger } = require('@citation-js/core')
require('@citation-js/plugin-bibtex')
require('@citation-js/plugin-ris')
require('@citation-js/plugin-csl')

// Forcing the type keeps citation-js from guessing (a .bib could also read as plain text).
const TYPES = { '.ris': '@ris/file', '.bib': '@bibtex/text', '.json': '@csl/list+object' }

function read (file) {
  const type = TYPES[path.extname(file)]
  if (!type) throw new Error(`${file}: no citation-js input type for this extension`)
  const text = fs.readFileSync(file, 'utf8')
  const input = type === '@csl/list+object' ? JSON.parse(text) : text
  return new Cite(input, { forceType: type, generateGraph: false }).data
}

function firstLine (text) {
  return String(text).split('\n')[0].trim()
}

function main (files) {
  // citation-js logs parse problems instead of throwing: collect its warnings, and the errors
  // it throws, one line each, and fail on any.
  const problems = []
  let current = ''
  logger._output = (level, scope, msg) => {
    if (level === 'warn') problems.push(`${current}: ${scope} ${firstLine(msg.join(' '))}`)
  }
  const out = {}
  for (const file of files) {
    current = file
    try {
      out[file] = read(file)
    } catch (err) {
      problems.push(`${file}: ${firstLine(err.message)}`)
    }
  }
  if (problems.length) {
    process.stderr.write(problems.join('\n') + '\n')
    process.exitCode = 1
  }
  process.stdout.write(JSON.stringify(out))
}

main(process.argv.slice(2))
