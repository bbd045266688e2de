// What the browser suites do to a page of the gateway's web app.

// Logs `user` in through the page's form at `baseUrl` and waits for the camera list.
export async function logIn(page, baseUrl, user) {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('User name').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
}
