import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PeekedMessage } from '../types';
import PeekPanel from './PeekPanel.vue';

const peekMessages = vi.fn<(...args: unknown[]) => Promise<PeekedMessage[]>>();
vi.mock('../api', () => ({ peekMessages: (...args: unknown[]) => peekMessages(...args) }));

const b64 = (bytes: number[] | string) =>
  btoa(typeof bytes === 'string' ? bytes : String.fromCharCode(...bytes));
const message = (over: Partial<PeekedMessage>): PeekedMessage => ({
  partition: 0,
  offset: 0,
  timestamp: 1_700_000_000_000,
  key: null,
  value: null,
  headers: [],
  truncatedFrom: null,
  keyDecoded: null,
  valueDecoded: null,
  ...over,
});

const avroValue = [0, 0, 0, 0, 12, 2, 6, 97, 100, 97];
const messages: PeekedMessage[] = [
  message({
    offset: 5,
    key: b64([0, 0, 0, 0, 13, 2]),
    keyDecoded: { format: 'avro', schemaId: 13, subject: 'orders-key', type: 'OrderKey', data: { id: 1 } },
    value: b64(avroValue),
    valueDecoded: {
      format: 'avro',
      schemaId: 12,
      subject: 'orders-value',
      type: 'lab.Order',
      data: { id: 1, name: 'ada' },
    },
  }),
  message({
    offset: 6,
    value: b64([0, 0, 0, 39, 15, 0xff]),
    valueDecoded: { schemaId: 9999, error: 'the schema registry does not know schema 9999' },
  }),
  message({ offset: 7, value: b64('{"plain":true}') }),
];

async function peeked() {
  const wrapper = mount(PeekPanel, { props: { cluster: 'lab', topic: 'orders', partitions: 1 } });
  await wrapper.find('form').trigger('submit');
  await flushPromises();
  return wrapper;
}

describe('PeekPanel with Schema Registry decoding', () => {
  beforeEach(() => {
    peekMessages.mockReset();
    peekMessages.mockResolvedValue(messages);
  });

  it('shows decoded values as pretty JSON with their schema badge, and decoded keys on one line', async () => {
    const wrapper = await peeked();
    expect(peekMessages).toHaveBeenCalledWith('lab', 'orders', null, 20);
    const [first] = wrapper.findAll('li');
    expect(first!.find('[data-testid="decoded-value"]').text()).toBe('{\n  "id": 1,\n  "name": "ada"\n}');
    const badges = first!.findAll('[data-testid="schema-badge"]').map((b) => b.text());
    expect(badges).toEqual([
      'Avro · schema 13 (subject orders-key)',
      'Avro · schema 12 (subject orders-value)',
    ]);
    expect(first!.find('code').text()).toBe('{"id":1}');
  });

  it('shows why a value was not decoded, inline, beside its raw bytes', async () => {
    const second = (await peeked()).findAll('li')[1]!;
    expect(second.find('[data-testid="decode-error"]').text()).toContain(
      'not decoded: the schema registry does not know schema 9999',
    );
    expect(second.find('[data-testid="raw-value"]').text()).toBe('00 00 00 27 0f ff');
  });

  it('switches to the raw bytes as hex and back', async () => {
    const wrapper = await peeked();
    await wrapper.findAll('select')[2]!.setValue('hex');
    const first = wrapper.findAll('li')[0]!;
    expect(first.find('[data-testid="decoded-value"]').exists()).toBe(false);
    expect(first.find('[data-testid="raw-value"]').text()).toBe('00 00 00 00 0c 02 06 61 64 61');
    expect(first.find('[data-testid="schema-badge"]').exists()).toBe(true);
    await wrapper.findAll('select')[2]!.setValue('auto');
    expect(wrapper.findAll('li')[0]!.find('[data-testid="decoded-value"]').exists()).toBe(true);
  });

  it('keeps the raw JSON view for values that are not schema-encoded', async () => {
    const third = (await peeked()).findAll('li')[2]!;
    expect(third.find('[data-testid="raw-value"]').text()).toBe('{\n  "plain": true\n}');
    expect(third.find('[data-testid="schema-badge"]').exists()).toBe(false);
  });

  it('shows the cut preview of a decoded value over the size limit', async () => {
    peekMessages.mockResolvedValue([
      message({
        value: b64(avroValue),
        valueDecoded: {
          format: 'protobuf',
          schemaId: 4,
          subject: null,
          type: 'lab.Big',
          data: null,
          preview: '{\n  "blob": "AAAA',
          truncatedFrom: 90_000,
        },
      }),
    ]);
    const item = (await peeked()).find('li');
    expect(item.find('[data-testid="decoded-value"]').text()).toBe('{\n  "blob": "AAAA…');
    expect(item.text()).toContain('decoded JSON cut from 90000 bytes');
    expect(item.find('[data-testid="schema-badge"]').text()).toBe('Protobuf · schema 4');
  });
});
