import type { DatabaseLiveEvent } from '@contracts/platform';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeEventSource } from '@/features/jobs/test/mount';
import DatabaseBanner from './DatabaseBanner.vue';

const emit = (available: boolean) =>
  FakeEventSource.last!.emit({
    topic: 'database',
    type: 'availability',
    data: { available },
  } satisfies DatabaseLiveEvent);

afterEach(() => vi.unstubAllGlobals());

describe('the database banner', () => {
  it('shows while the live channel says the database is down, and goes when it is back', async () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const wrapper = mount(DatabaseBanner, { global: { plugins: [createPinia()] } });
    await flushPromises();
    expect(FakeEventSource.last!.url).toContain('topics=database');
    expect(wrapper.find('[data-testid="database-banner"]').exists()).toBe(false);
    emit(false);
    await flushPromises();
    expect(wrapper.get('[data-testid="database-banner"]').text()).toContain(
      "Labdeck's database is unavailable",
    );
    emit(true);
    await flushPromises();
    expect(wrapper.find('[data-testid="database-banner"]').exists()).toBe(false);
  });
});
