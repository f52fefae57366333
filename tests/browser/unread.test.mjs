// A file nothing could be read from (an Excel archive, an empty file) shows that it was not
// read and why, with nothing to review but its Remove button; the files that were read beside
// it show as usual, and alone it makes no dashboard.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { useSite, openPage, waitForReport, tmp } from './harness.mjs';

let dir;

/** A zip archive holding one stored entry, as an .xlsx workbook is. */
function zip(name, text) {
  const data = Buffer.from(text);
  const fileName = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(local.length + fileName.length + data.length, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

const site = useSite(() => {
  dir = tmp();
  const rows = ['Order ID,Created At,Customer ID,Total'];
  for (let i = 0; i < 40; i++) rows.push(`${1000 + i},2024-${String(1 + (i % 12)).padStart(2, '0')}-10 10:00:00,C${i % 9},${20 + i}.00`);
  writeFileSync(join(dir, 'orders.csv'), rows.join('\n') + '\n');
  writeFileSync(join(dir, 'book.xlsx'), zip('[Content_Types].xml', '<?xml version="1.0"?><Types/>'));
  writeFileSync(join(dir, 'empty.csv'), '');
});

const card = (page, name) => page.locator('li.file', { has: page.locator('.file-name', { hasText: name }) });

/** Asserts that the card of `name` says the file was not read, with `message` and nothing to review. */
async function assertNotRead(page, name, message) {
  const c = card(page, name);
  assert.equal(await c.getAttribute('data-status'), 'error', `${name}: data-status`);
  const status = c.locator('.file-status');
  assert.equal((await status.innerText()).trim(), 'Not read', `${name}: status text`);
  assert.match(await status.getAttribute('class'), /\bstatus-error\b/, `${name}: status style`);
  const alert = c.getByRole('alert');
  assert.equal(await alert.count(), 1, `${name}: one alert`);
  assert.equal((await alert.innerText()).trim(), message, `${name}: message`);
  assert.equal(await c.locator('select').count(), 0, `${name}: a kind or role drop-down`);
  assert.equal(await c.locator('.fact, .facts, details.mapping, details.warnings').count(), 0, `${name}: facts or mapping`);
  // The card's body is the message and nothing else: no row count, format or encoding.
  assert.equal((await c.locator('.file-body').innerText()).trim(), message, `${name}: more than the message`);
  assert.doesNotMatch(await c.innerText(), /\brows\b/, `${name}: a row count`);
  assert.ok(await c.getByRole('button', { name: `Remove ${name}` }).isVisible(), `${name}: no Remove button`);
}

test('a file that could not be read says so, and the file read beside it shows as usual', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.getByLabel('Choose files').setInputFiles(['book.xlsx', 'orders.csv', 'empty.csv'].map((f) => join(dir, f)));
    await waitForReport(s.page);
    const xlsxError = await s.page.evaluate(() => window.loupe.fileList().find((f) => f.name === 'book.xlsx').inspect.error);
    assert.match(xlsxError, /Excel/, 'the engine did not name the .xlsx archive');
    await assertNotRead(s.page, 'book.xlsx', xlsxError);
    await assertNotRead(s.page, 'empty.csv', 'This file is empty.');

    const good = card(s.page, 'orders.csv');
    assert.equal(await good.getAttribute('data-status'), 'done');
    assert.equal((await good.locator('.file-status').innerText()).trim(), 'Read');
    assert.equal(await good.locator('.file-error').count(), 0, 'the good file shows an error');
    assert.equal(await good.getByLabel('Kind').count(), 1, 'the good file has no kind drop-down');
    assert.match(await good.locator('.facts').innerText(), /40 rows/);
    assert.equal(await good.locator('details.mapping').count(), 1);
    // Only what was read counts: 3 files, the rows of orders.csv.
    assert.match(await s.page.locator('.files-count').innerText(), /^3 files · 40 rows$/);
    assert.ok(Number((await s.page.$eval('[data-kpi="orders"]', (e) => e.dataset.value))) > 0);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});

test('a file that could not be read, alone, makes no dashboard and can be removed', async () => {
  const s = await openPage(site.browser, site.server.url);
  try {
    await s.page.goto(site.server.url);
    await s.page.getByLabel('Choose files').setInputFiles([join(dir, 'book.xlsx')]);
    await s.page.waitForFunction(() => {
      const l = window.loupe;
      return l.files.size === 1 && l.fileList()[0].status === 'error' && !l.reading && !l.computing && !l.recomputing;
    }, null, { timeout: 120000, polling: 100 });
    assert.equal(await s.page.evaluate(() => window.loupe.report), null, 'a report from a file that was not read');
    assert.ok(await s.page.locator('#dashboard').isHidden(), 'the dashboard shows for a file that was not read');
    const message = await s.page.evaluate(() => window.loupe.fileList()[0].error);
    await assertNotRead(s.page, 'book.xlsx', message);
    await s.page.getByRole('button', { name: 'Remove book.xlsx' }).click();
    await s.page.waitForFunction(() => window.loupe.files.size === 0);
    assert.ok(await s.page.locator('#files').isHidden(), 'the file list stays after the last file is removed');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.context.close();
  }
});
