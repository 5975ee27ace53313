import { expect, runCommand, screenshot, test } from './fixtures';

test.describe('workbench in Chromium against the web host', () => {
  test('sample project → terminal echo → second project from the palette → switch back', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(orrery.url);

    // The token leaves the address bar; the cookie carries it from now on.
    await expect.poll(() => new URL(page.url()).searchParams.has('token')).toBe(false);

    // An empty ORRERY_HOME: the sample project was created in ORRERY_PROJECTS_DIR and is open.
    const status = page.getByTestId('status-project');
    await expect(status).toContainText(orrery.projectsDir);
    const sampleName = (await status.locator('strong').textContent())?.trim() ?? '';
    expect(sampleName.length).toBeGreaterThan(0);
    await expect(page.getByTestId('current-project-name')).toHaveText(sampleName);
    await expect(page.getByTestId('status-connection')).toHaveText(/connected/);
    await expect(page.getByTestId('status-gpu')).toHaveText(/^GPUs?: /);
    await screenshot(page, testInfo, '01-sample-open');

    // A terminal in the project folder runs a real shell.
    await runCommand(page, 'new terminal', 'New Terminal');
    const terminal = page.locator('#panel-terminal .xterm').last();
    await expect(terminal).toBeVisible();
    await terminal.click();
    await page.keyboard.type('echo orrery-$((6*7))');
    await page.keyboard.press('Enter');
    await expect(page.locator('#panel-terminal .xterm-rows').last()).toContainText('orrery-42');
    await screenshot(page, testInfo, '02-terminal-orrery-42');

    // A second project, created from the palette (focus is still in the terminal: the palette chord works there).
    await runCommand(page, 'create project', 'Create Project…');
    const dialog = page.getByRole('dialog', { name: 'Create Project' });
    const folder = dialog.getByLabel('Folder');
    await expect(folder).toBeFocused();
    await expect(folder).toHaveValue(/new-project$/); // suggested beside the open project
    await folder.fill(`${orrery.projectsDir}/second-project`);
    await dialog.getByLabel('Name').fill('Second project');
    await screenshot(page, testInfo, '03-create-dialog');
    await dialog.getByLabel('Name').press('Enter');
    await expect(dialog).toBeHidden();
    await expect(status.locator('strong')).toHaveText('Second project');
    await expect(status).toContainText(`${orrery.projectsDir}/second-project`);
    await page.getByRole('button', { name: 'Projects', exact: true }).click();
    await expect(page.getByTestId('current-project-name')).toHaveText('Second project');
    await screenshot(page, testInfo, '04-second-project-open');

    // Back to the sample, from the palette's recent-project entries.
    await page.keyboard.press('Control+Shift+P');
    await page.getByRole('combobox', { name: 'Type a command' }).fill(`switch ${sampleName}`);
    await expect(page.getByRole('option').first()).toContainText(`Switch to ${sampleName}`);
    await screenshot(page, testInfo, '05-switch-palette');
    await page.keyboard.press('Enter');
    await expect(status.locator('strong')).toHaveText(sampleName);
    await expect(page.getByTestId('current-project-name')).toHaveText(sampleName);
    await expect(page.locator('.recent-item', { hasText: 'Second project' })).toBeEnabled();
    await screenshot(page, testInfo, '06-back-to-sample');
  });

  test('a bad path in Open Project shows the host\'s message and keeps the project open', async ({ page, orrery }, testInfo) => {
    await page.goto(orrery.url);
    const status = page.getByTestId('status-project');
    await expect(status).toContainText(orrery.projectsDir);
    const before = await status.textContent();
    await runCommand(page, 'open project', 'Open Project…');
    const dialog = page.getByRole('dialog', { name: 'Open Project' });
    await dialog.getByLabel('Project folder').fill(`${orrery.projectsDir}/does-not-exist`);
    await dialog.getByLabel('Project folder').press('Enter');
    const alert = dialog.getByRole('alert');
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(/\(\w+\)$/); // the error code, after the message
    await screenshot(page, testInfo, 'open-error');
    await dialog.getByLabel('Project folder').press('Escape');
    await expect(dialog).toBeHidden();
    await expect(status).toHaveText(before ?? '');
  });

  test('the status bar says so when the host goes away', async ({ page, orrery }, testInfo) => {
    await page.goto(orrery.url);
    const connection = page.getByTestId('status-connection');
    await expect(connection).toHaveText(/^connected$/);
    await orrery.kill();
    await expect(connection).toHaveText(/disconnected/);
    await expect(page.locator('.status-bar')).toHaveClass(/is-disconnected/);
    await screenshot(page, testInfo, 'host-gone');
  });

  test('a change made in one tab reaches another through events (the cache follows main)', async ({ page, context, orrery }) => {
    await page.goto(orrery.url);
    const status = page.getByTestId('status-project');
    await expect(status).toContainText(orrery.projectsDir);
    const other = await context.newPage(); // same cookie: no token in its address
    await other.goto(orrery.origin + '/');
    await expect(other.getByTestId('status-project')).toContainText(orrery.projectsDir);

    await other.keyboard.press('Control+Shift+P');
    await other.getByRole('combobox', { name: 'Type a command' }).fill('light theme');
    await other.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');

    await other.keyboard.press('Control+Shift+P');
    await other.getByRole('combobox', { name: 'Type a command' }).fill('create project');
    await other.keyboard.press('Enter');
    const folder = other.getByRole('dialog', { name: 'Create Project' }).getByLabel('Folder');
    await folder.fill(`${orrery.projectsDir}/from-the-other-tab`);
    await folder.press('Enter');
    await expect(status.locator('strong')).toHaveText('from-the-other-tab');
    await expect(page.locator('.recent-item', { hasText: 'from-the-other-tab' })).toHaveClass(/is-current/);
  });
});
