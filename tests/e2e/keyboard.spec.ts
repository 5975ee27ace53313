import { expect, screenshot, test } from './fixtures';

test.describe('keyboard-first workbench', () => {
  test('palette opens with Ctrl+Shift+P, filters, moves with arrows, closes with Esc', async ({ page, orrery }, testInfo) => {
    await page.goto(orrery.url);
    await expect(page.getByTestId('status-project')).toContainText(orrery.projectsDir);
    await page.keyboard.press('Control+Shift+P');
    const input = page.getByRole('combobox', { name: 'Type a command' });
    await expect(input).toBeFocused();
    const options = page.getByRole('option');
    const all = await options.count();
    expect(all).toBeGreaterThanOrEqual(20); // every command: 9 areas, tabs, project, theme, reload…
    for (const title of ['New Terminal', 'Create Project…', 'Open Project…', 'Close Project', 'Toggle Theme', 'Light Theme', 'Dark Theme', 'Reload Window', 'Open Notebooks', 'Open Sandbox']) {
      await expect(page.getByRole('option', { name: new RegExp(title) }).first()).toBeAttached();
    }

    await input.fill('thm');
    await expect(options.first()).toContainText('Theme');
    const filtered = await options.count();
    expect(filtered).toBeLessThan(all);
    await expect(options.first()).toHaveAttribute('aria-selected', 'true');
    await input.press('ArrowDown');
    await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
    await expect(options.first()).toHaveAttribute('aria-selected', 'false');
    await screenshot(page, testInfo, 'palette-filtered');

    await input.fill('zzzzqx');
    await expect(page.getByText('No command matches')).toBeVisible();
    await input.press('Escape');
    await expect(input).toBeHidden();
  });

  test('theme commands change the CSS variables and persist through settings', async ({ page, orrery }, testInfo) => {
    await page.goto(orrery.url);
    await expect(page.getByTestId('status-project')).toContainText(orrery.projectsDir);
    const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);

    await page.keyboard.press('Control+Shift+P');
    await page.getByRole('combobox', { name: 'Type a command' }).fill('dark theme');
    await page.keyboard.press('Enter');
    await expect.poll(theme).toBe('dark');
    const darkBg = await bg();

    await page.keyboard.press('Control+Shift+P');
    await page.getByRole('combobox', { name: 'Type a command' }).fill('toggle theme');
    await page.keyboard.press('Enter');
    await expect.poll(theme).toBe('light');
    expect(await bg()).not.toBe(darkBg);
    await screenshot(page, testInfo, 'light-theme');

    await page.reload(); // the setting lives in main, not in the page
    await expect(page.getByTestId('status-project')).toContainText(orrery.projectsDir);
    await expect.poll(theme).toBe('light');
    await page.keyboard.press('Alt+T');
    await expect.poll(theme).toBe('dark');
    expect(await bg()).toBe(darkBg);
  });

  test('areas by Alt+digit and the activity bar; tabs close by keys', async ({ page, orrery }, testInfo) => {
    await page.goto(orrery.url);
    await expect(page.getByTestId('status-project')).toContainText(orrery.projectsDir);
    await page.keyboard.press('Alt+7');
    await expect(page.getByRole('tab', { name: 'Prompts' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('#panel-prompts').getByRole('region', { name: 'Prompts area' })).toBeVisible();
    await page.keyboard.press('Alt+8');
    await expect(page.getByRole('tab', { name: 'Models' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('#panel-models').getByRole('region', { name: 'Models area' })).toBeVisible();
    await screenshot(page, testInfo, 'models-area');
    await page.keyboard.press('Alt+W');

    // The activity bar is reachable and usable by keyboard alone.
    const sandbox = page.getByRole('button', { name: 'Sandbox' });
    await page.getByRole('button', { name: 'Models' }).focus();
    await page.keyboard.press('ArrowDown');
    await expect(sandbox).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('tab', { name: 'Sandbox' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('#panel-sandbox').getByRole('region', { name: 'Sandbox area' })).toBeVisible();

    await page.keyboard.press('Alt+W');
    await expect(page.getByRole('tab', { name: 'Sandbox' })).toHaveCount(0);
    await expect(page.getByRole('tab', { name: 'Prompts' })).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('Alt+[');
    await expect(page.getByRole('tab', { name: 'Projects' })).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('Control+W');
    await expect(page.getByRole('tab', { name: 'Projects' })).toHaveCount(0);
    await expect(page.getByRole('tab', { name: 'Prompts' })).toHaveAttribute('aria-selected', 'true');
  });
});
