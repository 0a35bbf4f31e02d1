async function show(url, target) {
  const response = await fetch(url);
  document.getElementById(target).textContent = JSON.stringify(await response.json(), null, 2);
}
fetch('api/items').then(r => r.json()).then(items => {
  const list = document.getElementById('items');
  for (const item of items) { const li = document.createElement('li'); li.textContent = item.name; list.appendChild(li); }
});
document.getElementById('ask').addEventListener('submit', e => {
  e.preventDefault();
  show('api/ask?q=' + encodeURIComponent(document.getElementById('q').value), 'answer');
});
document.getElementById('chain').addEventListener('click', () => show('api/chain', 'hops'));
