package service

// Names for seeded people: common given and family names from the
// countries the platform's customers call from, accents included, so that
// search and sorting meet real-world text.
var seedFirstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
	"Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
	"Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie",
	"George", "Rebecca", "Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy",
	"Jacob", "Amy", "Nicholas", "Kathleen", "Gary", "Angela", "Eric", "Shirley", "Jonathan", "Emma",
	"Stephen", "Brenda", "Larry", "Pamela", "Justin", "Nicole", "Scott", "Anna", "Brandon", "Samantha",
	"Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Patrick", "Carolyn",
	"Frank", "Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry", "Helen",
	"Lukas", "Sophie", "Jonas", "Hannah", "Felix", "Lea", "Maximilian", "Lena", "Paul", "Mia",
	"Léa", "Chloé", "Hugo", "Louis", "Zoé", "Inès", "Gabriel", "Manon", "Théo", "Camille",
	"José", "María", "Lucía", "Martín", "Sofía", "Mateo", "Valentina", "Álvaro", "Andrés", "Inés",
	"Giulia", "Francesco", "Chiara", "Alessandro", "Martina", "Lorenzo", "Aurora", "Matteo", "Giorgia", "Leonardo",
	"João", "Beatriz", "Gonçalo", "Leonor", "Tomás", "Matilde", "Søren", "Freja", "Björn", "Åsa",
	"Priya", "Arjun", "Ananya", "Rohan", "Aisha", "Omar", "Fatima", "Yusuf", "Mei", "Wei",
	"Hiroshi", "Yuki", "Sakura", "Kenji", "Min-jun", "Seo-yeon", "Oluwaseun", "Chiamaka", "Kwame", "Amara",
	"Noah", "Liam", "Ava", "Isabella", "Ethan", "Mason", "Harper", "Evelyn", "Logan", "Abigail",
	"Zoë", "Chloë", "Renée", "Jérôme", "François", "Agnès", "Dário", "Çağla", "Özge", "Ülkü",
	"Niamh", "Siobhán", "Seán", "Aoife", "Ciarán", "Eoin", "Dagný", "Þór", "Grzegorz", "Małgorzata",
}

var seedLastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
	"Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
	"Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
	"Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
	"Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
	"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
	"Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Gonçalves", "Jørgensen", "Ødegård",
	"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Öberg", "Åberg", "Nowak", "Kowalski",
	"Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Sharma", "Singh", "Kumar", "Gupta", "Khan", "Ali",
	"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
	"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Park", "Choi", "Jung", "Okafor", "Adeyemi",
	"O'Brien", "O'Connor", "McCarthy", "Byrne", "Ó Súilleabháin", "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik",
}
